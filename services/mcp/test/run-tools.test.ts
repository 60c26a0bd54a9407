import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { customersCsvText } from '../../../scripts/lib/customers-csv.ts';
import { createPipeline } from '@flow/shared/pipelines/pipeline-store';
import { putObject } from '../../../test/support/harness.ts';
import {
  callTool,
  connectMcp,
  createTenantPipeline,
  mcpEnvironment,
  startFlowUnderTest,
  textOf,
  type FlowUnderTest,
  type McpSession,
  type TenantPipeline,
} from './support/mcp-harness.ts';

interface RunShape {
  id: string;
  pipelineId: string;
  status: string;
  trigger: string;
  replayOf: string | null;
  irVersion: number | null;
  rowsRead: string;
  rowsWritten: string;
  rowsQuarantined: string;
  error: { code: string; message: string } | null;
}

interface StartedRun {
  runId: string;
  status: string;
  timedOut: boolean;
  run: RunShape | null;
  replayOf?: string;
}

interface DeadLetterShape {
  run: RunShape | null;
  deadLetter: { total: number; rows: { sourceKey: string; lineNumber: string; rawRow: Record<string, string>; errors: { field: string; rule: string }[] }[] };
}

/** Builds a five-customer CSV whose customers 2 and 4 have orders_count values that are not integers. */
function csvWithBadOrderCounts(): string {
  const lines = customersCsvText(5).split('\n');
  const replaceLast = (line: string, value: string) => `${line.slice(0, line.lastIndexOf(','))},${value}`;
  lines[2] = replaceLast(lines[2]!, 'many');
  lines[4] = replaceLast(lines[4]!, '4.5');
  return lines.join('\n');
}

describe('mcp run tools', () => {
  let system: FlowUnderTest;
  let session: McpSession;

  beforeAll(async () => {
    system = await startFlowUnderTest();
  });

  afterAll(async () => {
    await session?.close();
    await system?.stop();
  });

  async function connect(tenant: TenantPipeline): Promise<void> {
    await session?.close();
    session = await connectMcp(mcpEnvironment(system, tenant));
  }

  it('runs a pipeline and waits for it', async () => {
    const tenant = await createTenantPipeline(system);
    await connect(tenant);
    await putObject(system.flow, tenant.bucket, `${tenant.prefix}customers.csv`, customersCsvText(25));

    const result = await callTool(session, 'runFlowPipeline', { pipelineId: tenant.pipelineId, wait: true });

    expect(result.isError).toBeFalsy();
    const started = result.structuredContent as unknown as StartedRun;
    expect(started.timedOut).toBe(false);
    expect(started.status).toBe('succeeded');
    expect(started.run?.id).toBe(started.runId);
    expect(started.run?.rowsRead).toBe('25');
    expect(started.run?.rowsWritten).toBe('25');
    expect(started.run?.irVersion).toBe(1);
    expect(textOf(result)).toContain('25 read, 25 written, 0 quarantined');

    const fetched = await callTool(session, 'getFlowRun', { runId: started.runId });
    expect((fetched.structuredContent as { run: RunShape }).run.status).toBe('succeeded');
  });

  it('returns a queued run without waiting', async () => {
    const tenant = await createTenantPipeline(system);
    await connect(tenant);

    const result = await callTool(session, 'runFlowPipeline', { pipelineId: tenant.pipelineId });

    const started = result.structuredContent as unknown as StartedRun;
    expect(started.status).toBe('queued');
    expect(started.run).toBeNull();
    expect(started.runId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('inspects, fixes and replays a failed run', async () => {
    const tenant = await createTenantPipeline(system, { errorHandling: { maxErrorRatio: 0 } });
    await connect(tenant);
    const key = `${tenant.prefix}orders.csv`;
    await putObject(system.flow, tenant.bucket, key, csvWithBadOrderCounts());

    // The run fails: two of five rows do not cast to integer and no quarantined row is allowed.
    const failed = (await callTool(session, 'runFlowPipeline', { pipelineId: tenant.pipelineId, wait: true })).structuredContent as unknown as StartedRun;
    expect(failed.status).toBe('failed');
    expect(failed.run?.error?.code).toBe('QUARANTINE_LIMIT_EXCEEDED');

    // Without a run id, inspectFlowError finds the latest failed run.
    const inspected = await callTool(session, 'inspectFlowError', { pipelineId: tenant.pipelineId });
    expect(inspected.isError).toBeFalsy();
    const report = inspected.structuredContent as unknown as DeadLetterShape;
    expect(report.run?.id).toBe(failed.runId);
    expect(report.run?.error?.code).toBe('QUARANTINE_LIMIT_EXCEEDED');
    expect(report.deadLetter.total).toBe(2);
    expect(report.deadLetter.rows.map((row) => row.lineNumber)).toEqual(['3', '5']);
    expect(report.deadLetter.rows.map((row) => row.rawRow.orders_count)).toEqual(['many', '4.5']);
    expect(report.deadLetter.rows.map((row) => row.rawRow.customer_id)).toEqual(['2', '4']);
    expect(report.deadLetter.rows.map((row) => row.sourceKey)).toEqual([key, key]);
    expect(report.deadLetter.rows[0]!.errors.map((error) => error.field)).toEqual(['orders_count']);
    expect(textOf(inspected)).toContain(`${key} line 3`);
    expect(textOf(inspected)).toContain(`${key} line 5`);

    // The failed run loaded nothing, so there is nothing archived to replay.
    const rejected = await callTool(session, 'replayFlowRun', { runId: failed.runId });
    expect(rejected.isError).toBe(true);
    expect(textOf(rejected)).toMatch(/^CONFLICT \(HTTP 409\): Run ".*" \(status failed\) loaded no source object/);

    // Allow the two bad rows, run again: the good rows load and the file is archived.
    const current = await callTool(session, 'getFlowPipelineIr', { pipelineId: tenant.pipelineId });
    const ir = (current.structuredContent as { ir: { errorHandling: Record<string, unknown> } }).ir;
    ir.errorHandling = { ...ir.errorHandling, maxErrorRatio: 0.5 };
    const updated = await callTool(session, 'updateFlowPipelineIr', { pipelineId: tenant.pipelineId, ir });
    expect((updated.structuredContent as { version: number }).version).toBe(2);
    const fixed = (await callTool(session, 'runFlowPipeline', { pipelineId: tenant.pipelineId, wait: true })).structuredContent as unknown as StartedRun;
    expect(fixed.status).toBe('succeeded');
    expect(fixed.run?.irVersion).toBe(2);
    expect(fixed.run?.rowsWritten).toBe('3');
    expect(fixed.run?.rowsQuarantined).toBe('2');

    // A replay of the loaded run reads its archived file again.
    const replayed = await callTool(session, 'replayFlowRun', { runId: fixed.runId, wait: true });
    expect(replayed.isError).toBeFalsy();
    const replay = replayed.structuredContent as unknown as StartedRun;
    expect(replay.runId).not.toBe(fixed.runId);
    expect(replay.runId).not.toBe(failed.runId);
    expect(replay.replayOf).toBe(fixed.runId);
    expect(replay.status).toBe('succeeded');
    expect(replay.run?.trigger).toBe('replay');
    expect(replay.run?.replayOf).toBe(fixed.runId);
    expect(replay.run?.rowsRead).toBe('5');
    expect(replay.run?.rowsQuarantined).toBe('2');

    // With a run id, inspectFlowError reads that run's dead letters even though it succeeded.
    const replayReport = (await callTool(session, 'inspectFlowError', { pipelineId: tenant.pipelineId, runId: replay.runId }))
      .structuredContent as unknown as DeadLetterShape;
    expect(replayReport.run?.status).toBe('succeeded');
    expect(replayReport.deadLetter.rows.map((row) => row.lineNumber)).toEqual(['3', '5']);
  });

  it('sends progress while waiting', async () => {
    const tenant = await createTenantPipeline(system);
    await connect(tenant);
    await putObject(system.flow, tenant.bucket, `${tenant.prefix}customers.csv`, customersCsvText(10));
    const messages: string[] = [];

    // With onprogress the client sends a progress token. The first poll follows the POST at once,
    // while the run is still queued, so the server sends at least one notification.
    const result = await session.client.callTool(
      { name: 'runFlowPipeline', arguments: { pipelineId: tenant.pipelineId, wait: true } },
      undefined,
      { onprogress: (progress) => messages.push(progress.message ?? '') },
    );

    expect(result.isError).toBeFalsy();
    expect((result.structuredContent as unknown as StartedRun).status).toBe('succeeded');
    expect(messages.length).toBeGreaterThanOrEqual(1);
    expect(messages[0]).toMatch(/^run [0-9a-f-]{36} is (queued|running)$/);
  });

  it('rejects a run of another pipeline', async () => {
    const tenant = await createTenantPipeline(system);
    await connect(tenant);
    const current = await callTool(session, 'getFlowPipelineIr', { pipelineId: tenant.pipelineId });
    const ir = (current.structuredContent as { ir: Record<string, unknown> }).ir;
    const sibling = await createPipeline(system.flow.context.pool, system.flow.context.config, tenant.tenant.id, { name: 'customers-copy', ir });
    const run = (await callTool(session, 'runFlowPipeline', { pipelineId: sibling.id })).structuredContent as unknown as StartedRun;

    const result = await callTool(session, 'inspectFlowError', { pipelineId: tenant.pipelineId, runId: run.runId });

    expect(result.isError).toBe(true);
    expect(textOf(result)).toBe(
      `RUN_PIPELINE_MISMATCH: Run ${run.runId} belongs to pipeline ${sibling.id}, not ${tenant.pipelineId}. Pass that pipeline id.`,
    );
  });

  it('reports a pipeline without failed runs', async () => {
    const tenant = await createTenantPipeline(system);
    await connect(tenant);

    const result = await callTool(session, 'inspectFlowError', { pipelineId: tenant.pipelineId });

    expect(result.isError).toBeFalsy();
    expect((result.structuredContent as unknown as DeadLetterShape).run).toBeNull();
    expect(textOf(result)).toContain('has no failed run');
  });

  it('returns system health', async () => {
    const tenant = await createTenantPipeline(system);
    await connect(tenant);

    const result = await callTool(session, 'getFlowHealth', {});

    expect(result.isError).toBeFalsy();
    const health = result.structuredContent as { status: string; components: Record<string, { status: string }> };
    expect(health.components.postgres?.status).toBe('up');
    expect(health.components.kafka?.status).toBe('up');
    expect(textOf(result)).toMatch(/^Flow is (ok|degraded) \(/);
  });

  it('reports lag as the API provides it', async () => {
    const tenant = await createTenantPipeline(system);
    await connect(tenant);
    const lagRoute = system.app.hasRoute({ method: 'GET', url: '/api/v1/streams/lag' });

    const result = await callTool(session, 'getFlowLag', {});

    if (lagRoute) {
      expect(result.isError).toBeFalsy();
      const report = result.structuredContent as { sampledAt: string | null; groups: { groupId: string }[] };
      expect(Array.isArray(report.groups)).toBe(true);
      expect(report.sampledAt === null || typeof report.sampledAt === 'string').toBe(true);
      expect(textOf(result)).toMatch(/^(No lag samples yet|Consumer lag sampled at )/);
    } else {
      expect(result.isError).toBe(true);
      expect(textOf(result)).toMatch(/^LAG_NOT_AVAILABLE: Lag monitoring is not available on this API: GET .*\/api\/v1\/streams\/lag returned 404/);
    }
  });
});
