import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Producer } from 'kafkajs';
import type { LagMonitor } from '../src/lag-monitor.ts';
import { commitOffsets, createTestMonitor, createTopic, describeWithKafkaTool, randomName, startKafkaHarness, type KafkaHarness } from './support/lag-harness.ts';

describe('transactional topic', () => {
  let harness: KafkaHarness;
  let producer: Producer;
  let monitor: LagMonitor | undefined;
  const topic = randomName('lag-tx-topic');
  const groupId = randomName('flow-lag-tx');

  beforeAll(async () => {
    harness = await startKafkaHarness();
    producer = harness.context.kafka.producer({ transactionalId: randomName('lag-tx-producer'), idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    await createTopic(harness.admin, topic, 1);
  });

  afterAll(async () => {
    await monitor?.close();
    await producer?.disconnect();
    await harness?.admin.deleteGroups([groupId]).catch(() => undefined);
    await harness?.admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await harness?.close();
  });

  it('reads lag 0 after the commit marker', async () => {
    const transaction = await producer.transaction();
    await transaction.send({ topic, messages: [0, 1, 2, 3].map((index) => ({ partition: 0, value: `message ${index}` })) });
    await transaction.commit();
    // Offsets 0-3 hold the messages and offset 4 the commit marker, so a consumer that read
    // every message commits offset 4 while the log ends at 5.
    await commitOffsets(harness.admin, groupId, topic, { 0: 4 });
    monitor = await createTestMonitor(harness, [groupId]);

    const [ours] = await monitor.refresh();
    const tool = await describeWithKafkaTool(['--group', groupId]);

    expect(tool[0]?.lag).toBe(1);
    expect(tool[0]?.logEndOffset).toBe(5);
    expect(ours?.partitions[0]?.endOffset).toBe(5);
    expect(ours?.partitions[0]?.lagMessages).toBe(0);
    expect(ours?.partitions[0]?.lagSeconds).toBe(0);
    expect(ours?.status).toBe('OK');
  });

  it('skips aborted messages', async () => {
    const aborted = await producer.transaction();
    await aborted.send({ topic, messages: [{ partition: 0, value: 'aborted' }] });
    await aborted.abort();
    // Offset 5 is the aborted message and offset 6 its abort marker.

    const [ours] = await monitor!.refresh();

    expect(ours?.partitions[0]?.endOffset).toBe(7);
    expect(ours?.partitions[0]?.lagMessages).toBe(0);
  });

  it('counts a committed message after markers', async () => {
    const transaction = await producer.transaction();
    await transaction.send({ topic, messages: [{ partition: 0, value: 'late' }] });
    await transaction.commit();

    const [ours] = await monitor!.refresh();

    expect(ours?.partitions[0]?.endOffset).toBe(9);
    expect(ours?.partitions[0]?.lagMessages).toBe(5);
    expect(ours?.partitions[0]?.lagSeconds).toBeGreaterThanOrEqual(0);
    expect(ours?.partitions[0]?.lagSeconds).not.toBeNull();
  });
});
