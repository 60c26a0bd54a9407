import type { RunningService, ServiceStarter } from '@flow/shared/runtime/service-context';
import { LogField } from '@flow/shared/logging/logger';
import { createLagMonitor } from './lag-monitor.ts';
import { loadLagMonitorConfig } from './lag-monitor-config.ts';

/**
 * Starts the lag monitor: a refresh every FLOW_LAG_INTERVAL_SECONDS, the next one scheduled
 * when the previous one ends, so refreshes never overlap.
 */
export const startLagMonitor: ServiceStarter = async (context): Promise<RunningService> => {
  const config = loadLagMonitorConfig();
  const logger = context.logger.child({ [LogField.service]: 'lag-monitor' });
  const monitor = await createLagMonitor(context, config);

  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;

  const tick = () => {
    running = monitor
      .refresh()
      .then(() => undefined)
      .catch((error: unknown) => {
        // refresh() has counted the error under stage "refresh"; the next tick retries.
        logger.error({ err: error }, 'lag refresh failed');
      })
      .finally(() => {
        if (!stopped) timer = setTimeout(tick, config.intervalMs);
      });
  };
  tick();

  logger.info(
    { window_seconds: config.windowMs / 1000, interval_seconds: config.intervalMs / 1000, extra_groups: config.extraGroups },
    'lag monitor started',
  );

  return {
    name: 'lag-monitor',
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
      await monitor.close();
    },
  };
};
