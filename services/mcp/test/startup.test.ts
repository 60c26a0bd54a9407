import { createServer, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTenantPipeline, mcpEnvironment, runMcpToExit, startFlowUnderTest, type FlowUnderTest, type TenantPipeline } from './support/mcp-harness.ts';

/** Returns a loopback port that was free a moment ago, so connecting to it is refused. */
async function closedLoopbackPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('mcp server start', () => {
  let system: FlowUnderTest;
  let owner: TenantPipeline;
  let other: TenantPipeline;

  beforeAll(async () => {
    system = await startFlowUnderTest();
    owner = await createTenantPipeline(system);
    other = await createTenantPipeline(system);
  });

  afterAll(async () => {
    await system?.stop();
  });

  it('exits 1 on a wrong key', async () => {
    const env = { ...mcpEnvironment(system, owner), KAIREONAI_API_KEY: 'krn_not_a_real_key' };

    const result = await runMcpToExit(env);

    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      `flow-mcp: The Flow API at ${system.apiUrl}/api/v1 rejected KAIREONAI_API_KEY: AUTH_INVALID_KEY: ` +
        'The API key is invalid or revoked. Create a new one with "flow keys create --tenant <name>".\n',
    );
  });

  it('exits 1 on a key of another tenant', async () => {
    const env = { ...mcpEnvironment(system, owner), KAIREONAI_API_KEY: other.apiKey };

    const result = await runMcpToExit(env);

    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(`KAIREONAI_API_KEY belongs to tenant ${other.tenant.id} ("${other.tenant.name}"), not to KAIREONAI_TENANT_ID ${owner.tenant.id}`);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('exits 1 on missing variables', async () => {
    const result = await runMcpToExit({ FLOW_API_URL: system.apiUrl });

    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('flow-mcp: invalid environment: KAIREONAI_API_KEY is missing');
    expect(result.stderr).toContain('KAIREONAI_TENANT_ID is missing');
  });

  it('exits 1 when the API is unreachable', async () => {
    const port = await closedLoopbackPort();
    const env = { ...mcpEnvironment(system, owner), FLOW_API_URL: `http://127.0.0.1:${port}` };

    const result = await runMcpToExit(env);

    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      `flow-mcp: Cannot reach the Flow API at http://127.0.0.1:${port}/api/v1 (ECONNREFUSED). Start it with "npm run flow -- start" or set FLOW_API_URL.\n`,
    );
  });

  it('rejects plain HTTP to another host', async () => {
    const env = { ...mcpEnvironment(system, owner), FLOW_API_URL: 'http://flow.invalid:8080' };

    const result = await runMcpToExit(env);

    expect(result.code).toBe(1);
    expect(result.stderr).toContain('FLOW_API_URL must use https unless the host is 127.0.0.1, localhost or [::1]');
  });
});
