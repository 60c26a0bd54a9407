import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { customersCsvText } from '../../../scripts/lib/customers-csv.ts';
import { createApiKey, createTenant } from '@flow/shared/tenants/tenant-store';
import { putObject, uniqueSuffix } from '../../../test/support/harness.ts';
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

describe('mcp tenant isolation', () => {
  let system: FlowUnderTest;
  let owner: TenantPipeline;
  let ownerSession: McpSession;
  let strangerSession: McpSession;
  let runId: string;

  beforeAll(async () => {
    system = await startFlowUnderTest();
    owner = await createTenantPipeline(system);
    // A tenant with no pipeline of its own, so everything it could see would be the owner's.
    const stranger = await createTenant(system.flow.context.pool, `mcp-stranger-${uniqueSuffix()}`);
    const strangerKey = await createApiKey(system.flow.context.pool, stranger.id);
    ownerSession = await connectMcp(mcpEnvironment(system, owner));
    strangerSession = await connectMcp(mcpEnvironment(system, { apiKey: strangerKey.key, tenant: stranger }));

    await putObject(system.flow, owner.bucket, `${owner.prefix}customers.csv`, customersCsvText(5));
    const run = await callTool(ownerSession, 'runFlowPipeline', { pipelineId: owner.pipelineId, wait: true });
    runId = (run.structuredContent as { runId: string }).runId;
  });

  afterAll(async () => {
    await ownerSession?.close();
    await strangerSession?.close();
    await system?.stop();
  });

  it('lists no pipelines for the stranger', async () => {
    const result = await callTool(strangerSession, 'listFlowPipelines', {});

    expect(result.isError).toBeFalsy();
    expect((result.structuredContent as { pipelines: unknown[] }).pipelines).toEqual([]);
    expect(textOf(result)).toBe('No pipelines on this page.');
  });

  it('lists the pipeline for the owner', async () => {
    const result = await callTool(ownerSession, 'listFlowPipelines', {});

    const ids = (result.structuredContent as { pipelines: { id: string }[] }).pipelines.map((pipeline) => pipeline.id);
    expect(ids).toEqual([owner.pipelineId]);
  });

  const notFoundCases: [string, (ids: { pipelineId: string; runId: string }) => Record<string, unknown>, string][] = [
    ['getFlowPipelineIr', (id) => ({ pipelineId: id.pipelineId }), 'Pipeline'],
    ['updateFlowPipelineIr', (id) => ({ pipelineId: id.pipelineId, ir: { irVersion: '1.0', nodes: [], edges: [], errorHandling: {} } }), 'Pipeline'],
    ['runFlowPipeline', (id) => ({ pipelineId: id.pipelineId }), 'Pipeline'],
    ['getFlowRun', (id) => ({ runId: id.runId }), 'Run'],
    ['replayFlowRun', (id) => ({ runId: id.runId }), 'Run'],
    ['inspectFlowError', (id) => ({ pipelineId: id.pipelineId }), 'Pipeline'],
    ['inspectFlowError', (id) => ({ pipelineId: id.pipelineId, runId: id.runId }), 'Run'],
  ];

  it.each(notFoundCases)('hides the owner resource from %s', async (tool, args, kind) => {
    const result = await callTool(strangerSession, tool, args({ pipelineId: owner.pipelineId, runId }));

    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(new RegExp(`^NOT_FOUND \\(HTTP 404\\): ${kind} ".*" was not found\\.`));
  });
});
