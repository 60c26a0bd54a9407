import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Producer } from 'kafkajs';
import { discoverGroups } from '../src/group-discovery.ts';
import type { LagMonitor } from '../src/lag-monitor.ts';
import { commitOffsets, createTestMonitor, createTopic, describeWithKafkaTool, produce, randomName, startKafkaHarness, type KafkaHarness } from './support/lag-harness.ts';

describe('lag in messages', () => {
  let harness: KafkaHarness;
  let producer: Producer;
  let monitor: LagMonitor | undefined;
  const topic = randomName('lag-tool-topic');
  const groupId = randomName('flow-lag-tool');

  beforeAll(async () => {
    harness = await startKafkaHarness();
    producer = harness.context.kafka.producer();
    await producer.connect();
    await createTopic(harness.admin, topic, 3);
  });

  afterAll(async () => {
    await monitor?.close();
    await producer?.disconnect();
    await harness?.admin.deleteGroups([groupId]).catch(() => undefined);
    await harness?.admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await harness?.close();
  });

  it('matches kafka-consumer-groups per partition', async () => {
    await produce(producer, topic, 0, 10);
    await produce(producer, topic, 1, 7);
    await produce(producer, topic, 2, 3);
    await commitOffsets(harness.admin, groupId, topic, { 0: 4, 1: 7, 2: 0 });
    monitor = await createTestMonitor(harness, [groupId]);

    const [ours] = await monitor.refresh();
    const tool = await describeWithKafkaTool(['--group', groupId]);

    expect(ours?.groupId).toBe(groupId);
    expect(tool).toHaveLength(3);
    for (const row of tool) {
      const partition = ours?.partitions.find((candidate) => candidate.partition === row.partition);
      expect(partition?.lagMessages, `lag of partition ${row.partition}`).toBe(row.lag);
      expect(partition?.committedOffset, `committed offset of partition ${row.partition}`).toBe(row.currentOffset);
      expect(partition?.endOffset, `log-end offset of partition ${row.partition}`).toBe(row.logEndOffset);
    }
    expect(ours?.totalLagMessages).toBe(6 + 0 + 3);
  });

  it('reports an empty group with lag as STOP', async () => {
    const [ours] = await monitor!.refresh();

    expect(ours?.state).toBe('empty');
    expect(ours?.members).toEqual([]);
    expect(ours?.status).toBe('STOP');
  });

  it('discovers groups named flow-', async () => {
    const groups = await discoverGroups(harness.admin, ['not-a-flow-group']);

    expect(groups).toContain(groupId);
    expect(groups).toContain('not-a-flow-group');
    expect(groups.every((group) => group.startsWith('flow-') || group === 'not-a-flow-group')).toBe(true);
  });
});
