import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { GROUP_STATUSES, type GroupLag, type GroupStatus } from '@flow/shared/lag/lag-snapshot';
import type { RefreshStage } from './read-group-lag.ts';

export interface LagMetrics {
  lagMessages: Gauge<'group' | 'topic' | 'partition'>;
  lagSeconds: Gauge<'group' | 'topic' | 'partition'>;
  groupStatus: Gauge<'group' | 'status'>;
  groupMembers: Gauge<'group'>;
  refreshDuration: Histogram;
  errors: Counter<'stage'>;
}

/** Returns the registry's metric of that name, creating it on first use, so two monitors may share a registry. */
function getOrCreate<T>(registry: Registry, name: string, create: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? create();
}

export function createLagMetrics(registry: Registry): LagMetrics {
  const registers = [registry];
  const groupPartition = ['group', 'topic', 'partition'] as const;
  return {
    lagMessages: getOrCreate(registry, 'flow_consumer_lag_messages', () =>
      new Gauge({ name: 'flow_consumer_lag_messages', help: 'Messages a consumer group has not consumed yet, per partition', labelNames: groupPartition, registers }),
    ),
    lagSeconds: getOrCreate(registry, 'flow_consumer_lag_seconds', () =>
      new Gauge({ name: 'flow_consumer_lag_seconds', help: 'Age of the oldest message a consumer group has not consumed yet, per partition, in seconds', labelNames: groupPartition, registers }),
    ),
    groupStatus: getOrCreate(registry, 'flow_consumer_group_status', () =>
      new Gauge({ name: 'flow_consumer_group_status', help: 'Status of a consumer group over the sliding window: 1 for the current status (OK, WARN, STALL, STOP), 0 for the others', labelNames: ['group', 'status'], registers }),
    ),
    groupMembers: getOrCreate(registry, 'flow_consumer_group_members', () =>
      new Gauge({ name: 'flow_consumer_group_members', help: 'Members of a consumer group', labelNames: ['group'], registers }),
    ),
    refreshDuration: getOrCreate(registry, 'flow_lag_monitor_refresh_duration_seconds', () =>
      new Histogram({ name: 'flow_lag_monitor_refresh_duration_seconds', help: 'Wall time of one lag-monitor refresh', buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30], registers }),
    ),
    errors: getOrCreate(registry, 'flow_lag_monitor_errors_total', () =>
      new Counter({ name: 'flow_lag_monitor_errors_total', help: 'Errors caught by the lag monitor, by refresh stage', labelNames: ['stage'], registers }),
    ),
  };
}

/** Replaces the lag gauges with one refresh's values, so groups and partitions that went away disappear. */
export function publishLagMetrics(metrics: LagMetrics, groups: readonly (GroupLag & { status: GroupStatus })[]): void {
  metrics.lagMessages.reset();
  metrics.lagSeconds.reset();
  metrics.groupStatus.reset();
  metrics.groupMembers.reset();

  for (const group of groups) {
    for (const partition of group.partitions) {
      const labels = { group: group.groupId, topic: partition.topic, partition: String(partition.partition) };
      metrics.lagMessages.set(labels, partition.lagMessages);
      if (partition.lagSeconds !== null) metrics.lagSeconds.set(labels, partition.lagSeconds);
    }
    for (const status of GROUP_STATUSES) metrics.groupStatus.set({ group: group.groupId, status }, status === group.status ? 1 : 0);
    metrics.groupMembers.set({ group: group.groupId }, group.members.length);
  }
}

export function countError(metrics: LagMetrics, stage: RefreshStage): void {
  metrics.errors.inc({ stage });
}
