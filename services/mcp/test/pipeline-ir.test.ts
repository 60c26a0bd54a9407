import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

describe('mcp pipeline tools', () => {
  let system: FlowUnderTest;
  let tenant: TenantPipeline;
  let session: McpSession;

  beforeAll(async () => {
    system = await startFlowUnderTest();
    tenant = await createTenantPipeline(system);
    session = await connectMcp(mcpEnvironment(system, tenant));
  });

  afterAll(async () => {
    await session?.close();
    await system?.stop();
  });

  it('lists the tenant pipeline', async () => {
    const result = await callTool(session, 'listFlowPipelines', {});

    expect(result.isError).toBeFalsy();
    const structured = result.structuredContent as { pipelines: { id: string; name: string; currentIrVersion: number; sourceBucket: string }[]; limit: number };
    expect(structured.pipelines).toHaveLength(1);
    expect(structured.pipelines[0]!.id).toBe(tenant.pipelineId);
    expect(structured.pipelines[0]!.name).toBe('customers');
    expect(structured.pipelines[0]!.currentIrVersion).toBe(1);
    expect(structured.pipelines[0]!.sourceBucket).toBe(tenant.bucket);
    expect(structured.limit).toBe(50);
    expect(textOf(result)).toContain(`customers (${tenant.pipelineId})`);
  });

  it('returns the current IR', async () => {
    const result = await callTool(session, 'getFlowPipelineIr', { pipelineId: tenant.pipelineId });

    expect(result.isError).toBeFalsy();
    const structured = result.structuredContent as { pipelineId: string; version: number; ir: { irVersion: string; nodes: { id: string }[] } };
    expect(structured.pipelineId).toBe(tenant.pipelineId);
    expect(structured.version).toBe(1);
    expect(structured.ir.irVersion).toBe('1.0');
    expect(structured.ir.nodes.map((node) => node.id)).toEqual(['src', 'load']);
  });

  it('stores an updated IR as a new version', async () => {
    const current = await callTool(session, 'getFlowPipelineIr', { pipelineId: tenant.pipelineId });
    const ir = (current.structuredContent as { ir: { errorHandling: Record<string, unknown> } }).ir;
    ir.errorHandling = { ...ir.errorHandling, maxErrorRatio: 0.25 };

    const result = await callTool(session, 'updateFlowPipelineIr', { pipelineId: tenant.pipelineId, ir });

    expect(result.isError).toBeFalsy();
    const structured = result.structuredContent as { version: number; ir: { errorHandling: { maxErrorRatio: number } } };
    expect(structured.version).toBe(2);
    expect(structured.ir.errorHandling.maxErrorRatio).toBe(0.25);
    expect(textOf(result)).toBe(`Stored IR version 2 of pipeline ${tenant.pipelineId}; the next run uses it.`);

    const reread = await callTool(session, 'getFlowPipelineIr', { pipelineId: tenant.pipelineId });
    expect((reread.structuredContent as { version: number }).version).toBe(2);
  });

  it('names the node of an invalid IR', async () => {
    const current = await callTool(session, 'getFlowPipelineIr', { pipelineId: tenant.pipelineId });
    const ir = (current.structuredContent as { ir: { nodes: Record<string, unknown>[] } }).ir;
    ir.nodes[1] = { ...ir.nodes[1], loadMode: 'append' };

    const result = await callTool(session, 'updateFlowPipelineIr', { pipelineId: tenant.pipelineId, ir });

    expect(result.isError).toBe(true);
    const text = textOf(result);
    expect(text).toMatch(/^IR_INVALID \(HTTP 422\): /);
    expect(text).toContain('node "load"');
    expect(text).toContain('- node "load", field nodes.1.loadMode: ');

    const unchanged = await callTool(session, 'getFlowPipelineIr', { pipelineId: tenant.pipelineId });
    expect((unchanged.structuredContent as { version: number }).version).toBe(2);
  });

  it('rejects arguments outside the input schema', async () => {
    const result = await callTool(session, 'getFlowPipelineIr', { pipelineId: tenant.pipelineId, version: 1 });

    expect(result.isError).toBe(true);
    expect(textOf(result)).toContain('Input validation error');
  });

  it('reports an unknown pipeline as not found', async () => {
    const result = await callTool(session, 'getFlowPipelineIr', { pipelineId: '00000000-0000-4000-8000-000000000000' });

    expect(result.isError).toBe(true);
    expect(textOf(result)).toBe('NOT_FOUND (HTTP 404): Pipeline "00000000-0000-4000-8000-000000000000" was not found.');
  });
});
