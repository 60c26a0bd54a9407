import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import type { Admin, Consumer, Producer } from 'kafkajs';
import { createServiceContext, type ServiceContext } from '@flow/shared/runtime/service-context';
import { createLagMonitor, type LagMonitor } from '../../src/lag-monitor.ts';
import type { LagMonitorConfig } from '../../src/lag-monitor-config.ts';

const execFileAsync = promisify(execFile);

/** Returns a random name with the given prefix, so tests never collide on the shared broker. */
export function randomName(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

/** A service context for tests plus an admin client; `close` releases both. */
export interface KafkaHarness {
  context: ServiceContext;
  admin: Admin;
  close(): Promise<void>;
}

export async function startKafkaHarness(name = 'lag-monitor-test'): Promise<KafkaHarness> {
  const context = await createServiceContext(name, { ...process.env, FLOW_LOG_LEVEL: process.env.FLOW_LOG_LEVEL ?? 'warn' });
  const admin = context.kafka.admin();
  await admin.connect();
  return {
    context,
    admin,
    close: async () => {
      await admin.disconnect();
      await context.pool.end();
    },
  };
}

/** Creates a monitor that watches exactly `groups`, with a short window for tests. */
export function createTestMonitor(harness: KafkaHarness, groups: string[], config: Partial<LagMonitorConfig> = {}): Promise<LagMonitor> {
  return createLagMonitor(
    harness.context,
    { extraGroups: [], windowMs: 4_000, intervalMs: 1_000, alertAfterMs: 2_000, ...config },
    { groups },
  );
}

export async function createTopic(admin: Admin, topic: string, partitions: number): Promise<void> {
  await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }] });
}

/** Sends `count` messages to one partition. */
export async function produce(producer: Producer, topic: string, partition: number, count: number): Promise<void> {
  const messages = Array.from({ length: count }, (_, index) => ({ partition, value: `message ${index}` }));
  await producer.send({ topic, messages });
}

/** Commits offsets for a group that has no members, as a consumer would. */
export async function commitOffsets(admin: Admin, groupId: string, topic: string, offsets: Record<number, number>): Promise<void> {
  await admin.setOffsets({
    groupId,
    topic,
    partitions: Object.entries(offsets).map(([partition, offset]) => ({ partition: Number(partition), offset: String(offset) })),
  });
}

/** One row of `kafka-consumer-groups --describe`. LAG is null where the tool prints "-". */
export interface ToolRow {
  group: string;
  topic: string;
  partition: number;
  currentOffset: number | null;
  logEndOffset: number | null;
  lag: number | null;
}

/** Runs Kafka's own kafka-consumer-groups tool against the local broker and parses its table. */
export async function describeWithKafkaTool(args: string[]): Promise<ToolRow[]> {
  const brokers = process.env.KAFKA_BROKERS ?? '127.0.0.1:59092';
  const { stdout } = await execFileAsync('bash', ['deploy/local/kafka-consumer-groups.sh', '--bootstrap-server', brokers, '--describe', ...args], {
    maxBuffer: 64 * 1024 * 1024,
  });
  const rows: ToolRow[] = [];
  let columns: string[] = [];
  for (const line of stdout.split('\n')) {
    const cells = line.trim().split(/\s+/);
    if (cells[0] === 'GROUP') {
      columns = cells;
      continue;
    }
    if (columns.length === 0 || cells.length < 6) continue;
    const cell = (name: string) => cells[columns.indexOf(name)] ?? '-';
    const number = (name: string) => (cell(name) === '-' ? null : Number(cell(name)));
    rows.push({
      group: cell('GROUP'),
      topic: cell('TOPIC'),
      partition: Number(cell('PARTITION')),
      currentOffset: number('CURRENT-OFFSET'),
      logEndOffset: number('LOG-END-OFFSET'),
      lag: number('LAG'),
    });
  }
  return rows;
}

/** Consumes `topic` in `groupId` with kafkajs and commits after each message. */
export async function startConsumer(harness: KafkaHarness, groupId: string, topic: string): Promise<Consumer> {
  const consumer = harness.context.kafka.consumer({ groupId, sessionTimeout: 10_000, heartbeatInterval: 500, maxWaitTimeInMs: 200 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({ autoCommitInterval: 100, eachMessage: async () => undefined });
  return consumer;
}

/** Polls `check` every 250 ms until it returns true, failing after `timeoutMs` with `what`. */
export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}.`);
}

/** Sum of the group's committed offsets on the topic, as the broker reports them. */
export async function committedTotal(admin: Admin, groupId: string, topic: string): Promise<number> {
  const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
  return (offsets?.partitions ?? []).reduce((sum, { offset }) => sum + Math.max(0, Number(offset)), 0);
}
