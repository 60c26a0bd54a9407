import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import { once } from 'node:events';
import { customersCsv } from '../scripts/lib/customers-csv.ts';

/** Writes a customers CSV of `rows` rows to `path`, streaming, and returns its size in bytes. */
export async function writeCustomersFile(path: string, rows: number, revision = 0): Promise<number> {
  const out = createWriteStream(path);
  let bytes = 0;
  for (const chunk of customersCsv(rows, { revision })) {
    bytes += Buffer.byteLength(chunk);
    if (!out.write(chunk)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return bytes;
}

/** Peak resident set size of a process in MiB, from /proc (Linux only). */
export function peakRssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /VmHWM:\s+(\d+) kB/.exec(status);
  return match ? Number(match[1]) / 1024 : Number.NaN;
}

/** Runs a command to completion and returns its wall time in milliseconds. */
export async function timeCommand(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const started = performance.now();
  const child = spawn(command, args, { env, stdio: ['ignore', 'ignore', 'inherit'] });
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`${command} ${args.join(' ')} exited with ${code}`);
  return performance.now() - started;
}

/** Starts a Flow service as its own process, so that its memory can be measured alone. */
export function startServiceProcess(entry: string, env: NodeJS.ProcessEnv): ChildProcess {
  return spawn(process.execPath, [entry], { env: { ...env, FLOW_LOG_LEVEL: 'warn' }, stdio: ['ignore', 'ignore', 'inherit'] });
}
