import type { Admin } from 'kafkajs';
import type { GroupLag, GroupStatus } from '@flow/shared/lag/lag-snapshot';
import { deleteExpiredLagSamples, insertLagSamples, listLagSnapshotsSince } from '@flow/shared/lag/lag-sample-store';
import { LogField, type Logger } from '@flow/shared/logging/logger';
import type { ServiceContext } from '@flow/shared/runtime/service-context';
import { openBrokerClient, type BrokerClient } from './broker-client.ts';
import { discoverGroups } from './group-discovery.ts';
import { evaluateGroupStatus } from './group-status.ts';
import { LagAlerts } from './lag-alerts.ts';
import { countError, createLagMetrics, publishLagMetrics, type LagMetrics } from './lag-metrics.ts';
import type { LagMonitorConfig } from './lag-monitor-config.ts';
import { readGroupLag, type RefreshStage } from './read-group-lag.ts';
import { StatusWindow } from './status-window.ts';

export type GroupLagWithStatus = GroupLag & { status: GroupStatus };

/** A connected lag monitor; `refresh` runs one refresh, the service calls it on a timer. */
export interface LagMonitor {
  refresh(): Promise<GroupLagWithStatus[]>;
  close(): Promise<void>;
}

export interface LagMonitorOptions {
  /** Called once per request sent to a broker; the benchmark counts them. */
  onRequest?: (apiName: string) => void;
  /** Clock in milliseconds; tests replace it. */
  now?: () => number;
  /** Monitors exactly these groups instead of discovering them; tests and the benchmark set it. */
  groups?: readonly string[];
}

/**
 * Connects the admin and broker clients and refills the status window from the samples stored
 * in the last window, so a restarted monitor judges status over the same history.
 */
export async function createLagMonitor(context: ServiceContext, config: LagMonitorConfig, options: LagMonitorOptions = {}): Promise<LagMonitor> {
  const logger: Logger = context.logger.child({ [LogField.service]: 'lag-monitor' });
  const now = options.now ?? Date.now;
  const metrics: LagMetrics = createLagMetrics(context.metrics);
  const window = new StatusWindow(config.windowMs);
  const alerts = new LagAlerts(context.pool, logger, config.alertAfterMs);

  const admin: Admin = context.kafka.admin();
  if (options.onRequest) {
    const onRequest = options.onRequest;
    admin.on(admin.events.REQUEST, (event) => onRequest(event.payload.apiName));
  }
  await admin.connect();
  let brokers: BrokerClient;
  try {
    brokers = await openBrokerClient(context.kafka, options.onRequest);
  } catch (error) {
    await admin.disconnect();
    throw error;
  }

  const reportError = (stage: RefreshStage, error: unknown, groupId?: string) => {
    countError(metrics, stage);
    logger.error({ err: error, stage, ...(groupId ? { [LogField.group]: groupId } : {}) }, 'lag refresh step failed');
  };

  try {
    for (const snapshot of await listLagSnapshotsSince(context.pool, new Date(now() - config.windowMs))) {
      window.add(Date.parse(snapshot.sampledAt), snapshot);
    }
  } catch (error) {
    reportError('store', error);
  }

  async function refresh(): Promise<GroupLagWithStatus[]> {
    const stopTimer = metrics.refreshDuration.startTimer();
    try {
      const groupIds = options.groups ? [...options.groups] : await discoverGroups(admin, config.extraGroups);
      const groups = await readGroupLag(
        { admin, brokers, onGroupError: (stage, groupId, error) => reportError(stage, error, groupId) },
        groupIds,
        now,
      );
      const sampledAtMs = now();

      // Status over the window, then the outputs: metrics first, because they need no I/O.
      window.retain(new Set(groups.map(({ groupId }) => groupId)));
      const judged = groups.map((group) => ({ ...group, status: evaluateGroupStatus(window.add(sampledAtMs, group), config) }));
      publishLagMetrics(metrics, judged);
      for (const group of judged) {
        if (group.status !== 'OK') logger.debug({ [LogField.group]: group.groupId, status: group.status, lag_messages: group.totalLagMessages }, 'group is behind');
      }

      try {
        await insertLagSamples(context.pool, new Date(sampledAtMs), judged);
        await deleteExpiredLagSamples(context.pool);
      } catch (error) {
        reportError('store', error);
      }
      try {
        await alerts.update(judged, sampledAtMs);
      } catch (error) {
        reportError('alerts', error);
      }
      return judged;
    } catch (error) {
      // Discovery, DescribeGroups, ListOffsets or Fetch failed, so this refresh produced nothing.
      countError(metrics, 'refresh');
      throw error;
    } finally {
      stopTimer();
    }
  }

  return {
    refresh,
    async close() {
      await brokers.disconnect().catch((error: unknown) => logger.warn({ err: error }, 'broker client failed to disconnect'));
      await admin.disconnect();
    },
  };
}
