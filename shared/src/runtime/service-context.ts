import type { Kafka } from 'kafkajs';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { loadConfig, type FlowConfig } from '../config/env.ts';
import { createPool, type Pool } from '../db/pool.ts';
import { migrate } from '../db/migrate.ts';
import { createKafka, ensureFlowTopics } from '../kafka/client.ts';
import { createLogger, type Logger } from '../logging/logger.ts';
import { startMetricsServer } from './metrics-server.ts';
import { flowGroups, flowTopics, type FlowGroups, type FlowTopics } from '../kafka/topics.ts';

/** Dependencies every service receives: configuration, a logger, the database pool, Kafka and metrics. */
export interface ServiceContext {
  config: FlowConfig;
  logger: Logger;
  pool: Pool;
  kafka: Kafka;
  metrics: Registry;
  /** Flow's topics and consumer groups in the configured namespace. */
  topics: FlowTopics;
  groups: FlowGroups;
}

/** A started service; `stop` ends its work and releases what it holds. */
export interface RunningService {
  name: string;
  stop(): Promise<void>;
}

export type ServiceStarter = (context: ServiceContext) => Promise<RunningService>;

/**
 * Builds the shared context of a process: parses the environment, applies migrations and
 * creates Flow's topics. One process may host several services on one context.
 */
export async function createServiceContext(processName: string, env: NodeJS.ProcessEnv = process.env): Promise<ServiceContext> {
  const config = loadConfig(env);
  const logger = createLogger(config.FLOW_LOG_LEVEL, { process: processName });
  const pool = createPool(config, logger);
  const kafka = createKafka(config, processName, logger);
  const metrics = new Registry();
  collectDefaultMetrics({ register: metrics });

  await migrate(config.DATABASE_URL, logger);
  await ensureFlowTopics(kafka, config);
  return {
    config,
    logger,
    pool,
    kafka,
    metrics,
    topics: flowTopics(config.FLOW_KAFKA_NAMESPACE),
    groups: flowGroups(config.FLOW_KAFKA_NAMESPACE),
  };
}

/** Stops the services in reverse order, then closes the pool; logs and keeps going on errors. */
export async function stopAll(context: ServiceContext, services: RunningService[]): Promise<void> {
  for (const service of [...services].reverse()) {
    try {
      await service.stop();
      context.logger.info({ service: service.name }, 'service stopped');
    } catch (error) {
      context.logger.error({ err: error, service: service.name }, 'service failed to stop cleanly');
    }
  }
  await context.pool.end();
}

/** Starts services in one process and stops them on SIGINT or SIGTERM. */
export async function runProcess(processName: string, starters: ServiceStarter[]): Promise<void> {
  const context = await createServiceContext(processName);
  const services: RunningService[] = [];
  let stopping = false;

  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    context.logger.info({ signal }, 'shutting down');
    await stopAll(context, services);
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));

  try {
    for (const start of starters) {
      const service = await start(context);
      services.push(service);
      context.logger.info({ service: service.name }, 'service started');
    }
    if (context.config.FLOW_METRICS_PORT > 0) {
      const server = await startMetricsServer(context.metrics, context.config.FLOW_API_HOST, context.config.FLOW_METRICS_PORT, context.logger);
      services.push({ name: 'metrics', stop: () => new Promise<void>((resolve) => server.close(() => resolve())) });
      context.logger.info({ port: context.config.FLOW_METRICS_PORT }, 'metrics served on /metrics');
    }
  } catch (error) {
    context.logger.fatal({ err: error }, 'service failed to start');
    await stopAll(context, services);
    process.exit(1);
  }
}
