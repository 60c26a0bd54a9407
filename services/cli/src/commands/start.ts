import type { Command } from 'commander';
import { runProcess, type ServiceStarter } from '@flow/shared/runtime/service-context';
import { UsageError } from '../usage-error.ts';

/** Services `flow start` can run, each imported only when it is requested. */
const serviceLoaders: Record<string, () => Promise<ServiceStarter>> = {
  api: async () => (await import('../../../api/src/api-service.ts')).startApi,
  runner: async () => (await import('../../../runner/src/runner-service.ts')).startRunner,
  'lag-monitor': async () => (await import('../../../lag-monitor/src/lag-monitor-service.ts')).startLagMonitor,
  's3-bridge': async () => (await import('../../../s3-bridge/src/s3-bridge-service.ts')).startS3Bridge,
};

export const serviceNames = Object.keys(serviceLoaders);

/** Splits and checks `--services api,runner`. An unknown name is a usage error. */
export function parseServiceList(list: string): string[] {
  const names = list
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  if (names.length === 0) throw new UsageError(`--services is empty. Name one or more of ${serviceNames.join(', ')}.`);
  for (const name of names) {
    if (!(name in serviceLoaders)) throw new UsageError(`Unknown service "${name}" in --services. Choose from ${serviceNames.join(', ')}.`);
  }
  return [...new Set(names)];
}

/** Registers `flow start [--services a,b]`, which runs the services in this process until SIGINT or SIGTERM. */
export function registerStartCommand(program: Command): void {
  program
    .command('start')
    .description('Run Flow services in this process until SIGINT or SIGTERM')
    .option('--services <names>', `comma-separated services to run (${serviceNames.join(', ')})`, serviceNames.join(','))
    .action(async (options: { services: string }) => {
      // The API starts last, so that once /healthz responds every other service is running too.
      const listed = parseServiceList(options.services);
      const names = [...listed.filter((name) => name !== 'api'), ...listed.filter((name) => name === 'api')];
      const starters = await Promise.all(names.map((name) => serviceLoaders[name]!()));
      await runProcess(`flow-${names.join('+')}`, starters);
    });
}
