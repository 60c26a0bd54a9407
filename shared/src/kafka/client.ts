import { Kafka, logLevel, type KafkaConfig, type LogEntry } from 'kafkajs';
import type { FlowConfig } from '../config/env.ts';
import type { Logger } from '../logging/logger.ts';
import { flowTopics } from './topics.ts';

const levelNames: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

/** Routes kafkajs's own log lines into pino, one level lower so routine retries stay at debug. */
function kafkaLogCreator(logger: Logger) {
  return () =>
    ({ namespace, level, log }: LogEntry) => {
      const { message, ...fields } = log;
      const name = levelNames[level] ?? 'debug';
      const target = name === 'error' ? 'warn' : 'debug';
      logger[target]({ kafka_namespace: namespace, ...fields }, `kafkajs: ${message}`);
    };
}

/**
 * kafkajs 2.2.4 schedules its request-queue check with a negative delay, which Node 24 reports
 * as a TimeoutNegativeWarning on every connection (kafkajs issue #1751, unfixed in 2.2.4). Node
 * runs such a timer after 1 ms, as kafkajs expects, so only that warning is dropped here.
 */
function silenceKafkaTimerWarning(): void {
  const emitWarning = process.emitWarning.bind(process) as (...args: unknown[]) => void;
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    let name: string | undefined;
    if (warning instanceof Error) name = warning.name;
    else if (typeof rest[0] === 'string') name = rest[0];
    else name = (rest[0] as { type?: string } | undefined)?.type;
    if (name === 'TimeoutNegativeWarning') return;
    emitWarning(warning, ...rest);
  }) as typeof process.emitWarning;
}
silenceKafkaTimerWarning();

/** Creates the kafkajs client of a service; this is the one place that constructs one. */
export function createKafka(
  config: Pick<FlowConfig, 'KAFKA_BROKERS' | 'KAFKA_CLIENT_ID'>,
  service: string,
  logger: Logger,
  overrides: Partial<KafkaConfig> = {},
): Kafka {
  return new Kafka({
    clientId: `${config.KAFKA_CLIENT_ID}-${service}`,
    brokers: config.KAFKA_BROKERS,
    connectionTimeout: 5_000,
    requestTimeout: 30_000,
    retry: { initialRetryTime: 300, retries: 8 },
    logLevel: logLevel.WARN,
    logCreator: kafkaLogCreator(logger),
    ...overrides,
  });
}

/** Creates Flow's own topics when they are missing; safe to call from every service. */
export async function ensureFlowTopics(
  kafka: Kafka,
  config: Pick<FlowConfig, 'FLOW_TOPIC_PARTITIONS' | 'FLOW_TOPIC_REPLICATION_FACTOR' | 'FLOW_KAFKA_NAMESPACE'>,
): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = Object.values(flowTopics(config.FLOW_KAFKA_NAMESPACE)).filter((topic) => !existing.has(topic));
    if (missing.length === 0) return;
    await admin.createTopics({
      waitForLeaders: true,
      topics: missing.map((topic) => ({
        topic,
        numPartitions: config.FLOW_TOPIC_PARTITIONS,
        replicationFactor: config.FLOW_TOPIC_REPLICATION_FACTOR,
      })),
    });
  } finally {
    await admin.disconnect();
  }
}
