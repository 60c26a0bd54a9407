import type { Pool } from '../db/pool.ts';
import type { GroupLag, GroupLagSnapshot, GroupStatus } from './lag-snapshot.ts';

/** How long lag samples are kept, in minutes. */
export const LAG_SAMPLE_RETENTION_MINUTES = 60;

/** One point of a group's lag history. */
export interface LagHistoryPoint {
  sampledAt: string;
  status: GroupStatus;
  totalLagMessages: number;
  maxLagSeconds: number | null;
}

interface SnapshotRow {
  sampled_at: Date;
  status: GroupStatus;
  snapshot: GroupLag;
}

function toSnapshot(row: SnapshotRow): GroupLagSnapshot {
  return { ...row.snapshot, status: row.status, sampledAt: row.sampled_at.toISOString() };
}

/** Stores the result of one refresh, one row per group, all with the same time. */
export async function insertLagSamples(pool: Pool, sampledAt: Date, groups: readonly (GroupLag & { status: GroupStatus })[]): Promise<void> {
  if (groups.length === 0) return;
  const rows = groups.map(({ status, ...group }) => ({
    group_id: group.groupId,
    state: group.state,
    status,
    total_lag_messages: group.totalLagMessages,
    max_lag_seconds: group.maxLagSeconds,
    snapshot: group,
  }));
  await pool.query(
    `INSERT INTO flow.lag_samples (sampled_at, group_id, state, status, total_lag_messages, max_lag_seconds, snapshot)
     SELECT $1, r.group_id, r.state, r.status, r.total_lag_messages, r.max_lag_seconds, r.snapshot
       FROM jsonb_to_recordset($2::jsonb)
         AS r(group_id text, state text, status text, total_lag_messages bigint, max_lag_seconds double precision, snapshot jsonb)`,
    [sampledAt, JSON.stringify(rows)],
  );
}

/** Deletes samples older than the retention; returns how many rows went. */
export async function deleteExpiredLagSamples(pool: Pool, retentionMinutes = LAG_SAMPLE_RETENTION_MINUTES): Promise<number> {
  const result = await pool.query(`DELETE FROM flow.lag_samples WHERE sampled_at < now() - make_interval(mins => $1)`, [retentionMinutes]);
  return result.rowCount ?? 0;
}

/** Snapshots of every group in the newest refresh within the retention, ordered by group id. */
export async function listLatestLagSnapshots(pool: Pool): Promise<GroupLagSnapshot[]> {
  const result = await pool.query<SnapshotRow>(
    `SELECT sampled_at, status, snapshot FROM flow.lag_samples
      WHERE sampled_at = (SELECT max(sampled_at) FROM flow.lag_samples
                           WHERE sampled_at >= now() - make_interval(mins => $1))
      ORDER BY group_id`,
    [LAG_SAMPLE_RETENTION_MINUTES],
  );
  return result.rows.map(toSnapshot);
}

/** Returns the group's snapshot in the newest refresh, or undefined when that refresh did not include it. */
export async function getLatestLagSnapshot(pool: Pool, groupId: string): Promise<GroupLagSnapshot | undefined> {
  const result = await pool.query<SnapshotRow>(
    `SELECT sampled_at, status, snapshot FROM flow.lag_samples
      WHERE group_id = $1
        AND sampled_at = (SELECT max(sampled_at) FROM flow.lag_samples
                           WHERE sampled_at >= now() - make_interval(mins => $2))`,
    [groupId, LAG_SAMPLE_RETENTION_MINUTES],
  );
  const row = result.rows[0];
  return row ? toSnapshot(row) : undefined;
}

/** Returns every group's total lag over the last `minutes`, oldest first, keyed by group id. */
export async function listLagHistory(pool: Pool, minutes: number): Promise<Map<string, LagHistoryPoint[]>> {
  const result = await pool.query<{ group_id: string; sampled_at: Date; status: GroupStatus; total_lag_messages: string; max_lag_seconds: number | null }>(
    `SELECT group_id, sampled_at, status, total_lag_messages, max_lag_seconds FROM flow.lag_samples
      WHERE sampled_at >= now() - make_interval(mins => $1)
      ORDER BY sampled_at, group_id`,
    [minutes],
  );
  const history = new Map<string, LagHistoryPoint[]>();
  for (const row of result.rows) {
    const points = history.get(row.group_id) ?? [];
    points.push({
      sampledAt: row.sampled_at.toISOString(),
      status: row.status,
      totalLagMessages: Number(row.total_lag_messages),
      maxLagSeconds: row.max_lag_seconds,
    });
    history.set(row.group_id, points);
  }
  return history;
}

/** Stored snapshots newer than `since`, oldest first; the monitor refills its window from them at start. */
export async function listLagSnapshotsSince(pool: Pool, since: Date): Promise<GroupLagSnapshot[]> {
  const result = await pool.query<SnapshotRow>(
    `SELECT sampled_at, status, snapshot FROM flow.lag_samples WHERE sampled_at >= $1 ORDER BY sampled_at, group_id`,
    [since],
  );
  return result.rows.map(toSnapshot);
}
