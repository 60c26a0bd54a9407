import type { Command } from 'commander';
import { apiTargetFromEnvironment, apiUrl, callApi, type ApiTarget } from '../api-client.ts';
import { printJson, printTable } from '../output.ts';
import { parseLimit } from './schemas.ts';

interface RunView {
  id: string;
  status: string;
  trigger: string;
  irVersion: number | null;
  rowsRead: string;
  rowsWritten: string;
  rowsQuarantined: string;
  bytesRead?: string;
  bytesTotal?: string;
  requestedAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  error: { code: string; message: string } | null;
}

const finalStatuses = new Set(['succeeded', 'failed', 'skipped']);

/** Rows read per second since the run started, or 0 before it starts. */
function rowsPerSecond(run: RunView): number {
  if (!run.startedAt) return 0;
  const end = run.finishedAt ? Date.parse(run.finishedAt) : Date.now();
  const seconds = Math.max((end - Date.parse(run.startedAt)) / 1000, 0.001);
  return Math.round(Number(run.rowsRead) / seconds);
}

/** Formats one line of progress: a bar that fills when the run ends, the status, counts and rows per second. */
export function progressLine(run: RunView): string {
  const width = 20;
  // A running run fills the bar by the bytes read so far, which the runner reports every second.
  let filled = 0;
  const total = Number(run.bytesTotal ?? 0);
  if (finalStatuses.has(run.status)) filled = width;
  else if (run.status === 'running' && total > 0) filled = Math.min(width, Math.floor((width * Number(run.bytesRead ?? 0)) / total));
  const bar = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
  return `${bar} ${run.status.padEnd(9)} read ${run.rowsRead}  written ${run.rowsWritten}  quarantined ${run.rowsQuarantined}  ${rowsPerSecond(run)} rows/s`;
}

/** Reads `GET /runs/:id/events` and calls `onRun` with each state until the server closes the stream. */
async function followRun(target: ApiTarget, runId: string, onRun: (run: RunView) => void): Promise<RunView | undefined> {
  const url = apiUrl(target, `/runs/${encodeURIComponent(runId)}/events`);
  const response = await fetch(url, { headers: { 'x-api-key': target.apiKey, accept: 'text/event-stream' } });
  if (!response.ok || !response.body) throw new Error(`GET ${url.pathname} failed with ${response.status}: ${await response.text()}`);

  let last: RunView | undefined;
  let buffer = '';
  const decoder = new TextDecoder();
  for await (const chunk of response.body) {
    buffer += decoder.decode(chunk as Uint8Array, { stream: true });
    let end = buffer.indexOf('\n\n');
    while (end >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      end = buffer.indexOf('\n\n');
      const data = block
        .split('\n')
        .filter((line) => line.startsWith('data:'))
        .map((line) => line.slice(5).trimStart())
        .join('\n');
      if (!data) continue;
      last = JSON.parse(data) as RunView;
      onRun(last);
    }
  }
  return last;
}

/** Registers `flow run <pipelineId> [--follow]`, `flow runs <pipelineId>` and `flow dlq <runId>`. */
export function registerRunCommands(program: Command): void {
  program
    .command('run')
    .description('Queue a run of a pipeline; with --follow, show its progress until it ends (exit 1 when it fails)')
    .argument('<pipelineId>', 'pipeline id')
    .option('--follow', 'show progress until the run ends: redrawn on a terminal, one line per state change otherwise')
    .option('--json', 'print the queued run, or with --follow each state, as JSON')
    .action(async (pipelineId: string, options: { follow?: boolean; json?: boolean }) => {
      const target = apiTargetFromEnvironment();
      const started = await callApi<{ runId: string; status: string }>(target, 'POST', `/pipelines/${encodeURIComponent(pipelineId)}/run`);
      if (!options.follow) {
        if (options.json) return printJson(started);
        process.stdout.write(`Queued run ${started.runId}.\n`);
        return;
      }

      const tty = process.stdout.isTTY === true && !options.json;
      if (!options.json) process.stdout.write(`Run ${started.runId}\n`);
      const final = await followRun(target, started.runId, (run) => {
        if (options.json) process.stdout.write(`${JSON.stringify(run)}\n`);
        else if (tty) process.stdout.write(`\r\x1b[2K${progressLine(run)}`);
        else process.stdout.write(`${progressLine(run)}\n`);
      });
      if (tty) process.stdout.write('\n');
      if (!final || !finalStatuses.has(final.status)) throw new Error(`The event stream of run ${started.runId} closed before the run ended.`);
      if (final.error && !options.json) process.stderr.write(`flow: run ${final.status}: ${final.error.code}: ${final.error.message}\n`);
      if (final.status === 'failed') process.exitCode = 1;
    });

  program
    .command('runs')
    .description('List runs of a pipeline, newest first')
    .argument('<pipelineId>', 'pipeline id')
    .option('--limit <n>', 'runs to print, 1 to 500', '20')
    .option('--json', 'print the API response as JSON')
    .action(async (pipelineId: string, options: { limit: string; json?: boolean }) => {
      const result = await callApi<{ runs: RunView[] }>(apiTargetFromEnvironment(), 'GET', `/pipelines/${encodeURIComponent(pipelineId)}/runs`, {
        query: { limit: parseLimit(options.limit) },
      });
      if (options.json) return printJson(result);
      printTable(result.runs, [
        { heading: 'ID', value: (run) => run.id },
        { heading: 'STATUS', value: (run) => run.status },
        { heading: 'TRIGGER', value: (run) => run.trigger },
        { heading: 'IR', value: (run) => run.irVersion },
        { heading: 'READ', value: (run) => run.rowsRead },
        { heading: 'WRITTEN', value: (run) => run.rowsWritten },
        { heading: 'QUARANTINED', value: (run) => run.rowsQuarantined },
        { heading: 'REQUESTED', value: (run) => run.requestedAt },
        { heading: 'ERROR', value: (run) => run.error?.code },
      ]);
    });

  program
    .command('dlq')
    .description('List the rows a run quarantined, with the rules each broke')
    .argument('<runId>', 'run id')
    .option('--limit <n>', 'rows to print, 1 to 500', '50')
    .option('--json', 'print the API response as JSON')
    .action(async (runId: string, options: { limit: string; json?: boolean }) => {
      const result = await callApi<{ rows: Array<{ lineNumber: string | null; sourceKey: string | null; rawRow: unknown; errors: unknown }>; total: number }>(
        apiTargetFromEnvironment(),
        'GET',
        `/runs/${encodeURIComponent(runId)}/dead-letter`,
        { query: { limit: parseLimit(options.limit) } },
      );
      if (options.json) return printJson(result);
      printTable(result.rows, [
        { heading: 'LINE', value: (row) => row.lineNumber },
        { heading: 'OBJECT', value: (row) => row.sourceKey },
        { heading: 'ERRORS', value: (row) => row.errors },
        { heading: 'ROW', value: (row) => row.rawRow },
      ]);
      process.stdout.write(`${result.rows.length} of ${result.total} rows\n`);
    });
}
