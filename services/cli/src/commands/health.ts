import type { Command } from 'commander';
import { apiTargetFromEnvironment, callApi } from '../api-client.ts';
import { printJson, printTable } from '../output.ts';

interface HealthView {
  status: string;
  components: Record<string, { status: string; latencyMs: number; error?: string }>;
  alerts: Array<{ severity: string; message: string; createdAt: string }>;
}

/** Registers `flow health`, which prints component status and recent alerts; it fails when Flow is degraded. */
export function registerHealthCommand(program: Command): void {
  program
    .command('health')
    .description('Print PostgreSQL, Kafka and S3 status and recent alerts; exits 1 when Flow is degraded')
    .option('--json', 'print the API response as JSON')
    .action(async (options: { json?: boolean }) => {
      const result = await callApi<HealthView>(apiTargetFromEnvironment(), 'GET', '/system-health');
      if (options.json) printJson(result);
      else {
        process.stdout.write(`Flow is ${result.status}.\n\n`);
        printTable(Object.entries(result.components), [
          { heading: 'COMPONENT', value: ([name]) => name },
          { heading: 'STATUS', value: ([, component]) => component.status },
          { heading: 'LATENCY MS', value: ([, component]) => component.latencyMs },
          { heading: 'ERROR', value: ([, component]) => component.error },
        ]);
        process.stdout.write('\nRecent alerts:\n');
        printTable(result.alerts.slice(0, 10), [
          { heading: 'TIME', value: (alert) => alert.createdAt },
          { heading: 'SEVERITY', value: (alert) => alert.severity },
          { heading: 'MESSAGE', value: (alert) => alert.message },
        ]);
      }
      if (result.status !== 'ok') process.exitCode = 1;
    });
}
