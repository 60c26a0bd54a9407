import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Consumer, Producer } from 'kafkajs';
import type { LagMonitor } from '../src/lag-monitor.ts';
import { committedTotal, createTestMonitor, createTopic, produce, randomName, startConsumer, startKafkaHarness, waitFor, type KafkaHarness } from './support/lag-harness.ts';

describe('lag in seconds', () => {
  let harness: KafkaHarness;
  let producer: Producer;
  let consumer: Consumer | undefined;
  let monitor: LagMonitor | undefined;
  const topic = randomName('lag-seconds-topic');
  const groupId = randomName('flow-lag-seconds');

  beforeAll(async () => {
    harness = await startKafkaHarness();
    producer = harness.context.kafka.producer();
    await producer.connect();
    await createTopic(harness.admin, topic, 1);
  });

  afterAll(async () => {
    await monitor?.close();
    await consumer?.disconnect();
    await producer?.disconnect();
    await harness?.admin.deleteGroups([groupId]).catch(() => undefined);
    await harness?.admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await harness?.close();
  });

  it('grows while paused and returns to 0', async () => {
    await produce(producer, topic, 0, 5);
    consumer = await startConsumer(harness, groupId, topic);
    await waitFor('the consumer to commit offset 5', async () => (await committedTotal(harness.admin, groupId, topic)) === 5);
    consumer.pause([{ topic }]);
    monitor = await createTestMonitor(harness, [groupId]);

    await produce(producer, topic, 0, 3);
    const [first] = await monitor.refresh();
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const [second] = await monitor.refresh();

    expect(first?.totalLagMessages).toBe(3);
    expect(first?.maxLagSeconds).not.toBeNull();
    expect(second?.totalLagMessages).toBe(3);
    expect(second!.maxLagSeconds! - first!.maxLagSeconds!).toBeGreaterThanOrEqual(1.9);
    expect(second?.partitions[0]?.lagSeconds).toBe(second?.maxLagSeconds);

    consumer.resume([{ topic }]);
    await waitFor('the consumer to catch up', async () => (await committedTotal(harness.admin, groupId, topic)) === 8);
    const [caughtUp] = await monitor.refresh();

    expect(caughtUp?.totalLagMessages).toBe(0);
    expect(caughtUp?.maxLagSeconds).toBe(0);
    expect(caughtUp?.state).toBe('stable');
    expect(caughtUp?.members).toHaveLength(1);
    expect(caughtUp?.members[0]?.assignments).toEqual([{ topic, partitions: [0] }]);
    expect(caughtUp?.status).toBe('OK');
  });
});
