import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { Logger } from 'pino';
import type { FlowApiClient } from './flow-api-client.ts';
import { getFlowHealth, getFlowLag } from './tools/monitoring-tools.ts';
import { getFlowPipelineIr, listFlowPipelines, updateFlowPipelineIr } from './tools/pipeline-tools.ts';
import { registerFlowTool } from './tools/register-flow-tool.ts';
import { getFlowRun, inspectFlowError, replayFlowRun, runFlowPipeline } from './tools/run-tools.ts';

export const SERVER_NAME = 'flow';
export const SERVER_VERSION = '0.1.0';

/** Builds the MCP server with every Flow tool registered; it calls the API with one tenant's key. */
export function createMcpServer(dependencies: { api: FlowApiClient; logger: Logger; tenantName: string }): McpServer {
  const server = new McpServer(
    { name: SERVER_NAME, version: SERVER_VERSION },
    {
      instructions:
        `Flow loads CSV files dropped in S3 into PostgreSQL tables through pipelines. These tools act for tenant "${dependencies.tenantName}" ` +
        'with the rights of its API key. Start with listFlowPipelines; after a failed run use inspectFlowError, fix the IR with ' +
        'getFlowPipelineIr and updateFlowPipelineIr, then run the pipeline again.',
    },
  );

  registerFlowTool(server, dependencies, listFlowPipelines);
  registerFlowTool(server, dependencies, getFlowPipelineIr);
  registerFlowTool(server, dependencies, updateFlowPipelineIr);
  registerFlowTool(server, dependencies, runFlowPipeline);
  registerFlowTool(server, dependencies, getFlowRun);
  registerFlowTool(server, dependencies, inspectFlowError);
  registerFlowTool(server, dependencies, replayFlowRun);
  registerFlowTool(server, dependencies, getFlowHealth);
  registerFlowTool(server, dependencies, getFlowLag);
  return server;
}
