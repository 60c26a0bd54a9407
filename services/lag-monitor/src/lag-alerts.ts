import type { Pool } from '@flow/shared/db/pool';
import type { GroupLag, GroupStatus } from '@flow/shared/lag/lag-snapshot';
import { LogField, type Logger } from '@flow/shared/logging/logger';

/** `source` of the health-feed entries the lag monitor writes. */
export const LAG_ALERT_SOURCE = 'lag-monitor';

type GroupWithStatus = GroupLag & { status: GroupStatus };

/** Returns the topic of the group's partition with the max lag in messages, which alerts name. */
function maxLagTopic(group: GroupLag): string | null {
  let best: { topic: string; lag: number } | null = null;
  for (const { topic, lagMessages } of group.partitions) {
    if (!best || lagMessages > best.lag) best = { topic, lag: lagMessages };
  }
  return best?.topic ?? null;
}

function describeLag(group: GroupLag, topic: string | null): string {
  const topicLag = group.partitions.filter((partition) => partition.topic === topic).reduce((sum, { lagMessages }) => sum + lagMessages, 0);
  const age = group.maxLagSeconds === null ? 'unknown' : `${Math.round(group.maxLagSeconds)} s`;
  return `${topicLag} messages behind on topic "${topic ?? '-'}", oldest unconsumed message ${age} old`;
}

/**
 * Raises a health-feed alert for a group that stays in WARN, STALL or STOP longer than the
 * threshold, and resolves it when the group is OK again. A partial unique index on
 * flow.alerts keeps at most one open lag alert per group.
 */
export class LagAlerts {
  readonly #pool: Pool;
  readonly #logger: Logger;
  readonly #alertAfterMs: number;
  /** Since when each group has been in a status other than OK, in milliseconds. */
  readonly #notOkSince = new Map<string, number>();

  constructor(pool: Pool, logger: Logger, alertAfterMs: number) {
    this.#pool = pool;
    this.#logger = logger;
    this.#alertAfterMs = alertAfterMs;
  }

  /** Raises and resolves alerts after one refresh. */
  async update(groups: readonly GroupWithStatus[], nowMs: number): Promise<void> {
    const open = await this.#pool.query<{ group_id: string }>(
      `SELECT group_id FROM flow.alerts WHERE source = $1 AND resolved_at IS NULL AND group_id IS NOT NULL`,
      [LAG_ALERT_SOURCE],
    );
    const openGroups = new Set(open.rows.map((row) => row.group_id));

    for (const group of groups) {
      if (group.status === 'OK') {
        this.#notOkSince.delete(group.groupId);
        if (openGroups.has(group.groupId)) await this.#resolve(group);
        continue;
      }

      // A change between WARN, STALL and STOP keeps the time the group left OK.
      const since = this.#notOkSince.get(group.groupId) ?? nowMs;
      this.#notOkSince.set(group.groupId, since);
      if (!openGroups.has(group.groupId) && nowMs - since >= this.#alertAfterMs) await this.#raise(group, nowMs - since);
    }
  }

  async #raise(group: GroupWithStatus, durationMs: number): Promise<void> {
    const topic = maxLagTopic(group);
    const message = `Consumer group "${group.groupId}" has been ${group.status} for ${Math.round(durationMs / 1000)} s: ${describeLag(group, topic)}.`;
    const result = await this.#pool.query(
      `INSERT INTO flow.alerts (severity, source, message, group_id, topic, details)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (group_id) WHERE source = 'lag-monitor' AND resolved_at IS NULL DO NOTHING`,
      [
        group.status === 'WARN' ? 'warning' : 'error',
        LAG_ALERT_SOURCE,
        message,
        group.groupId,
        topic,
        JSON.stringify({ status: group.status, state: group.state, totalLagMessages: group.totalLagMessages, maxLagSeconds: group.maxLagSeconds }),
      ],
    );
    if (result.rowCount === 1) this.#logger.warn({ [LogField.group]: group.groupId, [LogField.topic]: topic, status: group.status }, 'lag alert raised');
  }

  async #resolve(group: GroupWithStatus): Promise<void> {
    const resolved = await this.#pool.query<{ topic: string | null }>(
      `UPDATE flow.alerts SET resolved_at = now()
        WHERE source = $1 AND group_id = $2 AND resolved_at IS NULL
        RETURNING topic`,
      [LAG_ALERT_SOURCE, group.groupId],
    );
    const topic = resolved.rows[0]?.topic ?? maxLagTopic(group);
    if (resolved.rowCount === 0) return;

    // The recovery entry is closed from the start, so it never counts as the group's open alert.
    await this.#pool.query(
      `INSERT INTO flow.alerts (severity, source, message, group_id, topic, details, resolved_at)
       VALUES ('info', $1, $2, $3, $4, $5, now())`,
      [
        LAG_ALERT_SOURCE,
        `Consumer group "${group.groupId}" recovered: status OK on topic "${topic ?? '-'}", ${group.totalLagMessages} messages behind.`,
        group.groupId,
        topic,
        JSON.stringify({ status: group.status, totalLagMessages: group.totalLagMessages }),
      ],
    );
    this.#logger.info({ [LogField.group]: group.groupId, [LogField.topic]: topic }, 'lag alert resolved');
  }
}
