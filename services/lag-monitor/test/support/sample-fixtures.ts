import type { Pool } from '@flow/shared/db/pool';
import type { GroupLag, GroupStatus } from '@flow/shared/lag/lag-snapshot';
import { insertLagSamples } from '@flow/shared/lag/lag-sample-store';

/** Builds a group lag with one partition for API and dashboard tests. */
export function groupLag(groupId: string, topic: string, lagMessages: number): GroupLag & { status: GroupStatus } {
  return {
    groupId,
    state: 'stable',
    brokerState: 'Stable',
    members: [{ memberId: 'member-1', clientId: 'test', clientHost: '/127.0.0.1', assignments: [{ topic, partitions: [0] }] }],
    partitions: [{ topic, partition: 0, committedOffset: 100, endOffset: 100 + lagMessages, lagMessages, lagSeconds: lagMessages > 0 ? 12.5 : 0 }],
    totalLagMessages: lagMessages,
    maxLagSeconds: lagMessages > 0 ? 12.5 : 0,
    status: lagMessages > 40 ? 'WARN' : 'OK',
  };
}

/** Stores a history for each group: one sample a minute over the last `minutes`, lag from `lagAt(minutesAgo)`. */
export async function storeHistory(pool: Pool, groups: { groupId: string; topic: string; lagAt: (minutesAgo: number) => number }[], minutes: number): Promise<void> {
  const now = Date.now();
  for (let minutesAgo = minutes; minutesAgo >= 0; minutesAgo -= 1) {
    await insertLagSamples(
      pool,
      new Date(now - minutesAgo * 60_000),
      groups.map(({ groupId, topic, lagAt }) => groupLag(groupId, topic, lagAt(minutesAgo))),
    );
  }
}

export async function deleteSamples(pool: Pool, groupIds: string[]): Promise<void> {
  await pool.query(`DELETE FROM flow.lag_samples WHERE group_id = ANY($1)`, [groupIds]);
}
