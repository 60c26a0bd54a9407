import type { Command } from 'commander';
import { UsageError } from '../usage-error.ts';
import { formatLagTable, lagResponseSchema, type LagResponse } from './lag-table.ts';

const DEFAULT_API_URL = 'http://127.0.0.1:8080';
const CLEAR_SCREEN = '\x1b[H\x1b[2J';

interface LagOptions {
  watch?: boolean;
  interval: string;
  json?: boolean;
  apiUrl?: string;
}

/** Reads the newest lag snapshot from the REST API. */
async function fetchLag(apiUrl: string, apiKey: string): Promise<LagResponse> {
  const url = new URL('/api/v1/streams/lag', apiUrl);
  let response: Response;
  try {
    response = await fetch(url, { headers: { 'x-api-key': apiKey } });
  } catch (error) {
    throw new Error(`Cannot reach the Flow API at ${url.origin} (${(error as Error).message}). Set FLOW_API_URL to its address.`, { cause: error });
  }
  const body: unknown = await response.json().catch(() => undefined);
  if (!response.ok) {
    const message = (body as { error?: { message?: string } } | undefined)?.error?.message ?? `HTTP ${response.status}`;
    throw new Error(`GET ${url.pathname} failed: ${message}`);
  }
  const parsed = lagResponseSchema.safeParse(body);
  if (!parsed.success) throw new Error(`GET ${url.pathname} returned an unexpected body: ${parsed.error.issues[0]?.message ?? 'invalid'}.`);
  return parsed.data;
}

/** Registers `flow lag [--watch] [--interval s] [--json]`, which prints consumer-group lag read from the API. */
export function registerLagCommand(program: Command): void {
  program
    .command('lag')
    .description('Print consumer-group lag per partition, read from the Flow API (FLOW_API_URL, FLOW_API_KEY)')
    .option('--watch', 'redraw the table until Ctrl-C')
    .option('--interval <seconds>', 'seconds between redraws with --watch', '5')
    .option('--json', 'print the API response as JSON')
    .option('--api-url <url>', `API address (default FLOW_API_URL or ${DEFAULT_API_URL})`)
    .action(async (options: LagOptions) => {
      const apiUrl = options.apiUrl ?? process.env.FLOW_API_URL ?? DEFAULT_API_URL;
      const apiKey = process.env.FLOW_API_KEY;
      if (!apiKey) throw new UsageError('FLOW_API_KEY is not set. Create a key with "flow keys create --tenant <name>" and export it.');
      const intervalSeconds = Number(options.interval);
      if (!Number.isFinite(intervalSeconds) || intervalSeconds < 1 || intervalSeconds > 3600) {
        throw new UsageError(`Invalid --interval "${options.interval}": expected seconds from 1 to 3600.`);
      }
      const colour = process.stdout.isTTY === true && !process.env.NO_COLOR;

      const print = async () => {
        const lag = await fetchLag(apiUrl, apiKey);
        if (options.json) return `${JSON.stringify(lag, null, 2)}\n`;
        return `${formatLagTable(lag, colour)}\n${lag.sampledAt ? `sampled at ${lag.sampledAt}` : ''}\n`;
      };
      if (!options.watch) {
        process.stdout.write(await print());
        return;
      }

      // Redraws in place until Ctrl-C; a failed request is shown and retried at the next tick.
      let stopped = false;
      process.once('SIGINT', () => {
        stopped = true;
      });
      // A closed pipe (as with "| head") ends the watch quietly.
      process.stdout.on('error', (error: NodeJS.ErrnoException) => {
        if (error.code !== 'EPIPE') throw error;
        stopped = true;
      });
      while (!stopped) {
        const text = await print().catch((error: unknown) => `flow: ${(error as Error).message}\n`);
        process.stdout.write(`${CLEAR_SCREEN}Every ${intervalSeconds} s, Ctrl-C to stop\n\n${text}`);
        await new Promise((resolve) => setTimeout(resolve, intervalSeconds * 1000));
      }
    });
}
