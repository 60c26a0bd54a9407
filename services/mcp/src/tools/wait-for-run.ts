import { setTimeout as sleep } from 'node:timers/promises';
import { finishedRunStatuses, runResponseSchema, type RunView } from '../api-schemas.ts';
import type { ToolContext } from './register-flow-tool.ts';

/** Pause between two reads of a run's status while waiting for it, in milliseconds. */
const POLL_INTERVAL_MS = 500;

export async function fetchRun(context: ToolContext, runId: string): Promise<RunView> {
  return runResponseSchema.parse(await context.api.get(`/runs/${encodeURIComponent(runId)}`)).run;
}

/**
 * Polls a run until it finishes or `timeoutSeconds` pass, and returns its last state. When the
 * client sent a progress token, each poll sends a progress notification naming the status, so
 * a client that resets its request timeout on progress can wait longer than its timeout.
 * Stops early when the client cancels the request.
 */
export async function waitForRun(context: ToolContext, runId: string, timeoutSeconds: number): Promise<{ run: RunView; timedOut: boolean }> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  const progressToken = context.request._meta?.progressToken;
  let polls = 0;

  for (;;) {
    const run = await fetchRun(context, runId);
    if (finishedRunStatuses.has(run.status)) return { run, timedOut: false };
    if (Date.now() >= deadline || context.request.signal.aborted) return { run, timedOut: true };

    polls += 1;
    if (progressToken !== undefined) {
      await context.request.sendNotification({
        method: 'notifications/progress',
        params: { progressToken, progress: polls, message: `run ${runId} is ${run.status}` },
      });
    }
    try {
      await sleep(Math.min(POLL_INTERVAL_MS, Math.max(0, deadline - Date.now())), undefined, { signal: context.request.signal });
    } catch {
      // Cancelled by the client: the next loop reads the run once more and returns it.
    }
  }
}

/** Describes a run in one line for tool summaries: status, row counts and error. */
export function describeRun(run: RunView): string {
  const counts = `${run.rowsRead} read, ${run.rowsWritten} written, ${run.rowsQuarantined} quarantined, ${run.rowsSkipped} skipped`;
  const error = run.error ? ` Error ${run.error.code}: ${run.error.message}` : '';
  return `Run ${run.id} is ${run.status} (${counts}).${error}`;
}
