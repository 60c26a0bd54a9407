import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Consumer, Kafka } from 'kafkajs';
import { z } from 'zod';
import type { Logger } from '@flow/shared/logging/logger';

/** A message on flow.run-events, as the runner publishes it; extra fields are kept. */
export const runEventMessageSchema = z
  .object({
    runId: z.string().min(1),
    tenantId: z.string().min(1),
    pipelineId: z.string().min(1),
    status: z.enum(['queued', 'running', 'succeeded', 'failed', 'skipped']),
    at: z.string(),
  })
  .loose();
export type RunEventMessage = z.infer<typeof runEventMessageSchema>;

type Listener = (event: RunEventMessage) => void;

/**
 * Reads flow.run-events with one consumer per API process and hands each event to the
 * subscribers of its run. The consumer group is unique to the process, so every API process
 * receives every event. It starts at the latest offset and joins on the first subscription.
 */
export class RunEventHub {
  private readonly kafka: Kafka;
  private readonly logger: Logger;
  private readonly topic: string;
  private readonly listeners = new Map<string, Set<Listener>>();
  private consumer: Consumer | undefined;
  private starting: Promise<void> | undefined;
  private stopped = false;

  constructor(kafka: Kafka, logger: Logger, topic: string) {
    this.kafka = kafka;
    this.logger = logger;
    this.topic = topic;
  }

  /** Calls `listener` with each event of the run until the returned function is called. */
  subscribe(runId: string, listener: Listener): () => void {
    const set = this.listeners.get(runId) ?? new Set<Listener>();
    set.add(listener);
    this.listeners.set(runId, set);
    void this.start();
    return () => {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(runId);
    };
  }

  /** Joins the consumer group once; a failure is logged, and subscribers fall back to polling. */
  start(): Promise<void> {
    this.starting ??= this.connect().catch((error: unknown) => {
      this.logger.error({ err: error, topic: this.topic }, 'run event consumer failed to start');
      this.starting = undefined;
    });
    return this.starting;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.starting;
    await this.consumer?.disconnect();
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const groupId = `flow-api-run-events-${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
    const consumer = this.kafka.consumer({ groupId, allowAutoTopicCreation: false });
    this.consumer = consumer;
    await consumer.connect();
    await consumer.subscribe({ topic: this.topic, fromBeginning: false });
    // No offsets are committed: the group lives as long as the process, and a committed offset
    // would leave an abandoned group behind for the lag monitor to report.
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ message, partition }) => {
        const parsed = runEventMessageSchema.safeParse(safeJson(message.value?.toString('utf8')));
        if (!parsed.success) {
          this.logger.warn({ topic: this.topic, partition, offset: message.offset }, 'run event ignored: not a run event');
          return;
        }
        for (const listener of this.listeners.get(parsed.data.runId) ?? []) listener(parsed.data);
      },
    });
    this.logger.info({ topic: this.topic, group_id: groupId }, 'run event consumer started');
  }
}

function safeJson(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
