import { spawn } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { FastifyInstance } from 'fastify';
import { createApiKey } from '@flow/shared/tenants/tenant-store';
import { buildApiApp } from '../../../api/src/app.ts';
import { createCustomerPipeline, startFlow, type CustomerPipeline, type FlowHarness } from '../../../../test/support/harness.ts';

/** Repository root, the working directory of the MCP server child process. */
export const repositoryRoot = fileURLToPath(new URL('../../../../', import.meta.url));
const mcpMain = 'services/mcp/src/main.ts';

/** The runner and the REST API running in this process; the API listens on a random loopback port. */
export interface FlowUnderTest {
  flow: FlowHarness;
  app: FastifyInstance;
  apiUrl: string;
  stop(): Promise<void>;
}

/**
 * Starts the runner and the API in-process. The S3 bridge stays off, so an upload starts no
 * run and each test starts the runs it counts.
 */
export async function startFlowUnderTest(): Promise<FlowUnderTest> {
  const flow = await startFlow({ services: ['runner'] });
  const app = buildApiApp(flow.context);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as AddressInfo;
  return {
    flow,
    app,
    apiUrl: `http://127.0.0.1:${port}`,
    async stop() {
      await app.close();
      await flow.stop();
    },
  };
}

/** A customers pipeline with an API key of its tenant. */
export interface TenantPipeline extends CustomerPipeline {
  apiKey: string;
}

export async function createTenantPipeline(
  system: FlowUnderTest,
  options: { errorHandling?: Record<string, unknown> } = {},
): Promise<TenantPipeline> {
  const fixture = await createCustomerPipeline(system.flow, options);
  const key = await createApiKey(system.flow.context.pool, fixture.tenant.id);
  return { ...fixture, apiKey: key.key };
}

/** Environment of the MCP server for one tenant against the API under test. */
export function mcpEnvironment(system: FlowUnderTest, tenant: { apiKey: string; tenant: { id: string } }): Record<string, string> {
  return {
    KAIREONAI_API_KEY: tenant.apiKey,
    KAIREONAI_TENANT_ID: tenant.tenant.id,
    FLOW_API_URL: system.apiUrl,
    FLOW_LOG_LEVEL: process.env.FLOW_TEST_LOG_LEVEL ?? 'warn',
  };
}

/** An MCP client connected to a child MCP server process. */
export interface McpSession {
  client: Client;
  /** Everything the server wrote to stderr so far. */
  stderr(): string;
  close(): Promise<void>;
}

/** Spawns the MCP server with `env` and connects the SDK's client to it over stdio. */
export async function connectMcp(env: Record<string, string>): Promise<McpSession> {
  const transport = new StdioClientTransport({ command: process.execPath, args: [mcpMain], cwd: repositoryRoot, env, stderr: 'pipe' });
  let stderr = '';
  transport.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  const client = new Client({ name: 'flow-mcp-test', version: '0.0.0' });
  await client.connect(transport);
  return { client, stderr: () => stderr, close: () => client.close() };
}

/** Calls a tool and returns its result in the shape every Flow tool uses. */
export async function callTool(session: McpSession, name: string, args: Record<string, unknown>): Promise<CallToolResult> {
  return (await session.client.callTool({ name, arguments: args })) as CallToolResult;
}

/** Returns the text of a tool result's first content block. */
export function textOf(result: CallToolResult): string {
  const block = result.content[0];
  return block?.type === 'text' ? block.text : '';
}

/** Runs the MCP server with `env` and stdin closed at once, and returns what it printed and its exit code. */
export function runMcpToExit(env: Record<string, string>, timeoutMs = 30_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [mcpMain], { cwd: repositoryRoot, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`MCP server did not exit within ${timeoutMs} ms; stderr: ${stderr}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end();
  });
}
