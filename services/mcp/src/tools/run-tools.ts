import { z } from 'zod';
import { deadLetterResponseSchema, deadLetterRowSchema, runListResponseSchema, runSchema, runStartedResponseSchema, runStatuses, type RunView } from '../api-schemas.ts';
import { pipelineIdInput } from './pipeline-tools.ts';
import { defineFlowTool, type ToolContext } from './register-flow-tool.ts';
import { ToolInputError } from './tool-result.ts';
import { describeRun, fetchRun, waitForRun } from './wait-for-run.ts';

/** Runs inspectFlowError reads, newest first, when it looks for the latest failed run. */
const FAILED_RUN_SEARCH_LIMIT = 500;

const runIdInput = z.string().min(1).max(200).describe('Run id (UUID), as runFlowPipeline, replayFlowRun or getFlowRun return it.');

const waitInputs = {
  wait: z
    .boolean()
    .default(false)
    .describe('When true, poll until the run has finished (or waitSeconds pass) and return its status and row counts.'),
  waitSeconds: z
    .number()
    .int()
    .min(1)
    .max(3600)
    .default(50)
    .describe(
      'Maximum time to wait when wait is true, in seconds. Default 50, below the 60-second request timeout of common MCP clients; ' +
        'longer waits need a client that resets its timeout on progress notifications.',
    ),
};

const startedRunOutput = z.object({
  runId: z.string().describe('Id of the new run.'),
  requestId: z.string(),
  status: z.enum(runStatuses).describe('Status when the tool returned: queued or running unless it waited for the end.'),
  timedOut: z.boolean().describe('True when wait was requested and the run was still going when waitSeconds passed.'),
  run: runSchema.nullable().describe('The run with its counts, when wait was true.'),
});

async function startedRunResult(
  context: ToolContext,
  started: z.infer<typeof runStartedResponseSchema>,
  wait: { wait: boolean; waitSeconds: number },
  subject: string,
) {
  if (!wait.wait) {
    return {
      structured: { runId: started.runId, requestId: started.requestId, status: started.status, timedOut: false, run: null },
      summary: `${subject} queued as run ${started.runId}. Call getFlowRun with this id for its status and counts.`,
    };
  }
  const { run, timedOut } = await waitForRun(context, started.runId, wait.waitSeconds);
  const summary = timedOut
    ? `${subject} started as run ${started.runId}, which is still ${run.status} after ${wait.waitSeconds} s. Call getFlowRun later.`
    : `${subject} finished. ${describeRun(run)}`;
  return { structured: { runId: run.id, requestId: started.requestId, status: run.status, timedOut, run }, summary };
}

export const runFlowPipeline = defineFlowTool({
  name: 'runFlowPipeline',
  title: 'Run a Flow pipeline',
  description:
    'Starts a run of a pipeline: it loads every CSV object under the pipeline\'s source prefix with the current IR. ' +
    'Same as POST /api/v1/pipelines/:id/run. Returns the run id at once, or with wait=true the finished run with its row counts.',
  input: z.object({ pipelineId: pipelineIdInput, ...waitInputs }).strict(),
  output: startedRunOutput,
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  async handle(input, context) {
    const started = runStartedResponseSchema.parse(await context.api.post(`/pipelines/${encodeURIComponent(input.pipelineId)}/run`));
    context.logger.info({ pipeline_id: input.pipelineId, run_id: started.runId }, 'run requested');
    return startedRunResult(context, started, input, `Run of pipeline ${input.pipelineId}`);
  },
});

export const replayFlowRun = defineFlowTool({
  name: 'replayFlowRun',
  title: 'Replay a Flow run',
  description:
    'Starts a new run that loads the archived source files of an earlier run again, with the pipeline\'s current IR ' +
    '(for example after fixing the IR). Same as POST /api/v1/runs/:id/replay. A run that loaded nothing, such as one that failed, ' +
    'has no archived files and returns CONFLICT: its files are still under the source prefix, so use runFlowPipeline instead.',
  input: z.object({ runId: runIdInput, ...waitInputs }).strict(),
  output: startedRunOutput.extend({ replayOf: z.string().describe('The run whose files the new run loads.') }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  async handle(input, context) {
    const started = runStartedResponseSchema.parse(await context.api.post(`/runs/${encodeURIComponent(input.runId)}/replay`));
    context.logger.info({ run_id: started.runId, replay_of: input.runId }, 'replay requested');
    const result = await startedRunResult(context, started, input, `Replay of run ${input.runId}`);
    return { structured: { ...result.structured, replayOf: input.runId }, summary: result.summary };
  },
});

export const getFlowRun = defineFlowTool({
  name: 'getFlowRun',
  title: 'Get a Flow run',
  description:
    'Returns the status of a run (queued, running, succeeded, failed or skipped), its row counts, the IR version it executed, ' +
    'its timings and its error. Same as GET /api/v1/runs/:id.',
  input: z.object({ runId: runIdInput }).strict(),
  output: z.object({ run: runSchema }),
  annotations: { readOnlyHint: true, openWorldHint: false },
  async handle(input, context) {
    const run = await fetchRun(context, input.runId);
    return { structured: { run }, summary: describeRun(run) };
  },
});

/** Returns the newest failed run among the pipeline's latest runs, or undefined when none failed. */
async function latestFailedRun(context: ToolContext, pipelineId: string): Promise<RunView | undefined> {
  const body = runListResponseSchema.parse(
    await context.api.get(`/pipelines/${encodeURIComponent(pipelineId)}/runs`, { limit: FAILED_RUN_SEARCH_LIMIT }),
  );
  return body.runs.find((run) => run.status === 'failed');
}

export const inspectFlowError = defineFlowTool({
  name: 'inspectFlowError',
  title: 'Inspect a failed Flow run',
  description:
    'Explains why a pipeline run failed: returns the run with its error code and message and the rows it sent to the dead-letter table ' +
    '(raw values, line number in the source file, and every rule each row broke). Without runId it picks the pipeline\'s latest ' +
    `failed run among its ${FAILED_RUN_SEARCH_LIMIT} most recent runs. With runId it reads that run, failed or not.`,
  input: z
    .object({
      pipelineId: pipelineIdInput,
      runId: runIdInput.optional().describe('Run to inspect. Default: the latest failed run of the pipeline.'),
      limit: z.number().int().min(1).max(500).default(50).describe('Dead-letter rows to return, 1 to 500. Default 50.'),
      offset: z.number().int().min(0).default(0).describe('Dead-letter rows to skip, for the next page. Default 0.'),
    })
    .strict(),
  output: z.object({
    pipelineId: z.string(),
    run: runSchema.nullable().describe('The inspected run; null when the pipeline has no failed run.'),
    deadLetter: z.object({
      rows: z.array(deadLetterRowSchema),
      total: z.number().int().describe('Dead-letter rows of the run in all.'),
      limit: z.number().int(),
      offset: z.number().int(),
    }),
  }),
  annotations: { readOnlyHint: true, openWorldHint: false },
  async handle(input, context) {
    const run = input.runId ? await fetchRun(context, input.runId) : await latestFailedRun(context, input.pipelineId);
    if (!run) {
      return {
        structured: { pipelineId: input.pipelineId, run: null, deadLetter: { rows: [], total: 0, limit: input.limit, offset: input.offset } },
        summary: `Pipeline ${input.pipelineId} has no failed run among its ${FAILED_RUN_SEARCH_LIMIT} most recent runs.`,
      };
    }
    if (run.pipelineId !== input.pipelineId) {
      throw new ToolInputError('RUN_PIPELINE_MISMATCH', `Run ${run.id} belongs to pipeline ${run.pipelineId}, not ${input.pipelineId}. Pass that pipeline id.`);
    }

    const deadLetter = deadLetterResponseSchema.parse(
      await context.api.get(`/runs/${encodeURIComponent(run.id)}/dead-letter`, { limit: input.limit, offset: input.offset }),
    );
    const rows = deadLetter.rows.map((row) => `- ${row.sourceKey ?? '?'} line ${row.lineNumber ?? '?'}: ${JSON.stringify(row.errors)}`);
    const page = rows.length < deadLetter.total ? ` (showing ${rows.length} from offset ${deadLetter.offset})` : '';
    const summary = [describeRun(run), `${deadLetter.total} dead-letter row(s)${page}${rows.length > 0 ? ':' : '.'}`, ...rows].join('\n');
    return {
      structured: { pipelineId: input.pipelineId, run, deadLetter: { rows: deadLetter.rows, total: deadLetter.total, limit: deadLetter.limit, offset: deadLetter.offset } },
      summary,
    };
  },
});
