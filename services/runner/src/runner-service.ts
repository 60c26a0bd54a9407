import type { Consumer, EachMessagePayload, Producer } from 'kafkajs';
import { z } from 'zod';
import { isTransientError } from '@flow/shared/errors/retry';
import { sendToDeadLetter } from '@flow/shared/kafka/dead-letter';
import { LogField, type Logger } from '@flow/shared/logging/logger';
import type { RunningService, ServiceContext } from '@flow/shared/runtime/service-context';
import { runRequestSchema } from '@flow/shared/runs/run-request';
import { s3EventSchema } from '@flow/shared/s3/s3-event';
import { executeRunRequest } from './run-executor.ts';
import { routeS3Event } from './route-s3-event.ts';
import { createRunnerMetrics, type RunnerMetrics } from './runner-metrics.ts';

/** Interval of the heartbeats sent while a message is being processed, in milliseconds. */
const HEARTBEAT_INTERVAL_MS = 3_000;

/**
 * Parses a message with a zod schema. A message that does not parse goes to the dead-letter
 * topic with the reason, and its offset is then committed, so the messages after it go on.
 */
async function parseOrDeadLetter<T>(
  schema: z.ZodType<T>,
  payload: EachMessagePayload,
  deps: { producer: Producer; logger: Logger; metrics: RunnerMetrics; deadLetterTopic: string },
): Promise<T | undefined> {
  const text = payload.message.value?.toString('utf8') ?? '';
  let reason: string;
  try {
    const parsed = schema.safeParse(JSON.parse(text));
    if (parsed.success) return parsed.data;
    reason = `invalid message: ${parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`;
  } catch (error) {
    reason = `not JSON: ${(error as Error).message}`;
  }
  await sendToDeadLetter(deps.producer, deps.deadLetterTopic, payload, reason);
  deps.metrics.deadLettered.inc({ topic: payload.topic });
  deps.logger.warn(
    { [LogField.topic]: payload.topic, [LogField.partition]: payload.partition, [LogField.offset]: payload.message.offset, reason },
    'message sent to the dead-letter topic',
  );
  return undefined;
}

/** Keeps the group membership alive while a long message is processed. */
async function withHeartbeats<T>(payload: EachMessagePayload, work: () => Promise<T>): Promise<T> {
  const timer = setInterval(() => {
    payload.heartbeat().catch(() => undefined);
  }, HEARTBEAT_INTERVAL_MS);
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}

/**
 * Starts the runner: the router (flow.s3-events -> flow.run-requests) and the executor
 * (flow.run-requests -> PostgreSQL). Offsets are committed only after a message's work is
 * durable; a thrown error makes kafkajs deliver the message again.
 */
export async function startRunner(context: ServiceContext): Promise<RunningService> {
  const logger = context.logger.child({ [LogField.service]: 'runner' });
  const metrics = createRunnerMetrics(context.metrics);
  const producer = context.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();

  const router: Consumer = context.kafka.consumer({ groupId: context.groups.router, sessionTimeout: 30_000 });
  // A run may take minutes: the session survives on timer heartbeats and a rebalance waits up to 10 minutes.
  const executor: Consumer = context.kafka.consumer({
    groupId: context.groups.runner,
    sessionTimeout: context.config.FLOW_RUNNER_SESSION_TIMEOUT_MS,
    rebalanceTimeout: 600_000,
    heartbeatInterval: HEARTBEAT_INTERVAL_MS,
    maxWaitTimeInMs: 1_000,
  });
  for (const consumer of [router, executor]) {
    consumer.on(consumer.events.REBALANCING, (event) => logger.warn({ [LogField.group]: event.payload.groupId }, 'consumer group rebalancing'));
    consumer.on(consumer.events.CRASH, (event) => logger.error({ err: event.payload.error, [LogField.group]: event.payload.groupId }, 'consumer crashed'));
  }

  await router.connect();
  await router.subscribe({ topic: context.topics.s3Events, fromBeginning: true });
  await router.run({
    eachMessage: async (payload) => {
      const event = await parseOrDeadLetter(s3EventSchema, payload, { producer, logger, metrics, deadLetterTopic: context.topics.deadLetter });
      if (!event) return;
      const routed = await routeS3Event({ pool: context.pool, producer, logger, runRequestsTopic: context.topics.runRequests }, event);
      metrics.routed.inc({ outcome: routed > 0 ? 'routed' : 'unbound' });
      // Archived objects land in the bucket too, so unbound events are routine and logged at debug.
      if (routed === 0) logger.debug({ [LogField.bucket]: event.bucket, [LogField.key]: event.key }, 'no pipeline is bound to this object');
    },
  });

  await executor.connect();
  await executor.subscribe({ topic: context.topics.runRequests, fromBeginning: true });
  await executor.run({
    partitionsConsumedConcurrently: context.config.FLOW_RUNNER_CONCURRENCY,
    eachMessage: async (payload) => {
      const request = await parseOrDeadLetter(runRequestSchema, payload, { producer, logger, metrics, deadLetterTopic: context.topics.deadLetter });
      if (!request) return;
      const deps = { config: context.config, topics: context.topics, pool: context.pool, producer, logger, metrics };
      const ids = {
        [LogField.topic]: payload.topic,
        [LogField.partition]: payload.partition,
        [LogField.offset]: payload.message.offset,
        [LogField.pipeline]: request.pipelineId,
        [LogField.request]: request.requestId,
      };
      let reason: string;
      try {
        const outcome = await withHeartbeats(payload, () => executeRunRequest(deps, request));
        if (outcome !== 'pipeline_missing') return;
        reason = `pipeline ${request.pipelineId} of tenant ${request.tenantId} does not exist`;
      } catch (error) {
        // Transient failures are thrown again, so kafkajs delivers the request again later. Any
        // other failure would repeat on every delivery and block the partition behind it.
        if (isTransientError(error)) throw error;
        logger.error({ ...ids, err: error }, 'run request failed without a run to record it on');
        reason = `run request failed: ${(error as Error).message}`;
      }
      await sendToDeadLetter(producer, context.topics.deadLetter, payload, reason);
      metrics.deadLettered.inc({ topic: payload.topic });
      logger.warn({ ...ids, reason }, 'run request sent to the dead-letter topic');
    },
  });

  return {
    name: 'runner',
    async stop() {
      await router.disconnect();
      await executor.disconnect();
      await producer.disconnect();
    },
  };
}
