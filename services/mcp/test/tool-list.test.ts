import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { connectMcp, createTenantPipeline, mcpEnvironment, startFlowUnderTest, type FlowUnderTest, type McpSession } from './support/mcp-harness.ts';

describe('mcp tool list', () => {
  let system: FlowUnderTest;
  let session: McpSession;
  let tools: Map<string, Tool>;

  beforeAll(async () => {
    system = await startFlowUnderTest();
    const tenant = await createTenantPipeline(system);
    session = await connectMcp(mcpEnvironment(system, tenant));
    tools = new Map((await session.client.listTools()).tools.map((tool) => [tool.name, tool]));
  });

  afterAll(async () => {
    await session?.close();
    await system?.stop();
  });

  it('names every Flow tool', () => {
    expect([...tools.keys()].sort()).toEqual([
      'getFlowHealth',
      'getFlowLag',
      'getFlowPipelineIr',
      'getFlowRun',
      'inspectFlowError',
      'listFlowPipelines',
      'replayFlowRun',
      'runFlowPipeline',
      'updateFlowPipelineIr',
    ]);
  });

  it('describes inputs and outputs of each tool', () => {
    for (const tool of tools.values()) {
      expect(tool.description?.length, tool.name).toBeGreaterThan(40);
      expect(tool.inputSchema.type, tool.name).toBe('object');
      expect(tool.outputSchema?.type, tool.name).toBe('object');
      for (const [field, schema] of Object.entries(tool.inputSchema.properties ?? {})) {
        expect((schema as { description?: string }).description, `${tool.name}.${field}`).toBeTruthy();
      }
    }
  });

  it('lists required and optional inputs', () => {
    const cases: [string, string[], string[]][] = [
      ['listFlowPipelines', [], ['limit', 'offset']],
      ['runFlowPipeline', ['pipelineId'], ['pipelineId', 'wait', 'waitSeconds']],
      ['getFlowPipelineIr', ['pipelineId'], ['pipelineId']],
      ['updateFlowPipelineIr', ['pipelineId', 'ir'], ['ir', 'pipelineId']],
      ['inspectFlowError', ['pipelineId'], ['limit', 'offset', 'pipelineId', 'runId']],
      ['replayFlowRun', ['runId'], ['runId', 'wait', 'waitSeconds']],
      ['getFlowRun', ['runId'], ['runId']],
      ['getFlowHealth', [], ['alerts']],
      ['getFlowLag', [], []],
    ];
    for (const [name, required, properties] of cases) {
      const schema = tools.get(name)!.inputSchema;
      expect(schema.required ?? [], name).toEqual(required);
      expect(Object.keys(schema.properties ?? {}).sort(), name).toEqual(properties);
    }
  });

  it('marks read-only tools', () => {
    const readOnly = [...tools.values()].filter((tool) => tool.annotations?.readOnlyHint).map((tool) => tool.name).sort();

    expect(readOnly).toEqual(['getFlowHealth', 'getFlowLag', 'getFlowPipelineIr', 'getFlowRun', 'inspectFlowError', 'listFlowPipelines']);
  });

  it('types the wait flag as boolean', () => {
    const wait = tools.get('runFlowPipeline')!.inputSchema.properties?.wait as { type?: string; default?: unknown };

    expect(wait.type).toBe('boolean');
    expect(wait.default).toBe(false);
  });
});
