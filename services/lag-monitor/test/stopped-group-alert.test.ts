import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Consumer, Producer } from 'kafkajs';
import type { LagMonitor } from '../src/lag-monitor.ts';
import { LAG_ALERT_SOURCE } from '../src/lag-alerts.ts';
import { committedTotal, createTestMonitor, createTopic, produce, randomName, startConsumer, startKafkaHarness, waitFor, type KafkaHarness } from './support/lag-harness.ts';

interface AlertRow {
  severity: string;
  message: string;
  topic: string | null;
  resolved_at: Date | null;
}

describe('stopped group alert', () => {
  let harness: KafkaHarness;
  let producer: Producer;
  let consumer: Consumer | undefined;
  let monitor: LagMonitor | undefined;
  const topic = randomName('lag-stop-topic');
  const groupId = randomName('flow-lag-stop');

  const alertsOf = async () =>
    (
      await harness.context.pool.query<AlertRow>(
        `SELECT severity, message, topic, resolved_at FROM flow.alerts WHERE source = $1 AND group_id = $2 ORDER BY id`,
        [LAG_ALERT_SOURCE, groupId],
      )
    ).rows;

  beforeAll(async () => {
    harness = await startKafkaHarness();
    producer = harness.context.kafka.producer();
    await producer.connect();
    await createTopic(harness.admin, topic, 2);
  });

  afterAll(async () => {
    await monitor?.close();
    await consumer?.disconnect();
    await producer?.disconnect();
    await harness?.admin.deleteGroups([groupId]).catch(() => undefined);
    await harness?.admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await harness?.close();
  });

  it('reaches STOP, alerts, then resolves', async () => {
    // Both partitions get messages first, because a partition without a committed offset has no lag to report.
    await produce(producer, topic, 0, 2);
    await produce(producer, topic, 1, 2);
    consumer = await startConsumer(harness, groupId, topic);
    await waitFor('the consumer to commit offsets 2 and 2', async () => (await committedTotal(harness.admin, groupId, topic)) === 4);
    await consumer.disconnect();
    consumer = undefined;
    await produce(producer, topic, 1, 6);
    monitor = await createTestMonitor(harness, [groupId], { alertAfterMs: 2_000 });

    const [stopped] = await monitor.refresh();
    expect(stopped?.status).toBe('STOP');
    expect(stopped?.state).toBe('empty');
    expect(await alertsOf()).toHaveLength(0);

    await new Promise((resolve) => setTimeout(resolve, 2_100));
    await monitor.refresh();
    await monitor.refresh();
    const raised = await alertsOf();
    expect(raised).toHaveLength(1);
    expect(raised[0]?.severity).toBe('error');
    expect(raised[0]?.topic).toBe(topic);
    expect(raised[0]?.message).toContain(groupId);
    expect(raised[0]?.message).toContain('STOP');
    expect(raised[0]?.resolved_at).toBeNull();

    consumer = await startConsumer(harness, groupId, topic);
    await waitFor('the restarted consumer to catch up', async () => (await committedTotal(harness.admin, groupId, topic)) === 10);
    const [recovered] = await monitor.refresh();
    expect(recovered?.status).toBe('OK');

    const after = await alertsOf();
    expect(after).toHaveLength(2);
    expect(after[0]?.resolved_at).not.toBeNull();
    expect(after[1]?.severity).toBe('info');
    expect(after[1]?.message).toContain('recovered');
    expect(after[1]?.topic).toBe(topic);
  });

  it('stores snapshots for the API', async () => {
    const { rows } = await harness.context.pool.query<{ status: string; total_lag_messages: string }>(
      `SELECT status, total_lag_messages FROM flow.lag_samples WHERE group_id = $1 ORDER BY sampled_at`,
      [groupId],
    );

    expect(rows.length).toBeGreaterThanOrEqual(4);
    expect(rows[0]?.status).toBe('STOP');
    expect(rows[0]?.total_lag_messages).toBe('6');
    expect(rows.at(-1)?.status).toBe('OK');
  });
});
