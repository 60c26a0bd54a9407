import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServiceContext, type ServiceContext } from '@flow/shared/runtime/service-context';
import { createApiKey, createTenant } from '@flow/shared/tenants/tenant-store';
import { buildApiApp } from '../../api/src/app.ts';

const mainScript = new URL('../src/main.ts', import.meta.url).pathname;

interface CliResult {
  status: number;
  stdout: string;
  stderr: string;
}

describe('flow CLI against a live API', () => {
  let context: ServiceContext;
  let app: FastifyInstance;
  let apiUrl: string;
  let apiKey: string;
  let workDir: string;

  /** Runs the CLI as a child process with the test API's address and key. */
  function flow(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
    return new Promise((resolve) => {
      execFile(
        process.execPath,
        [mainScript, ...args],
        { env: { ...process.env, FLOW_API_URL: apiUrl, FLOW_API_KEY: apiKey, ...env }, timeout: 60_000 },
        (error, stdout, stderr) => {
          let status = 0;
          if (error) status = typeof error.code === 'number' ? error.code : 1;
          resolve({ status, stdout, stderr });
        },
      );
    });
  }

  beforeAll(async () => {
    context = await createServiceContext('cli-test', { ...process.env, FLOW_LOG_LEVEL: 'warn' });
    app = buildApiApp(context);
    apiUrl = await app.listen({ host: '127.0.0.1', port: 0 });
    const tenant = await createTenant(context.pool, `cli-${Math.random().toString(16).slice(2, 10)}`);
    apiKey = (await createApiKey(context.pool, tenant.id)).key;
    workDir = await mkdtemp(join(tmpdir(), 'flow-cli-'));
  });

  afterAll(async () => {
    await app?.close();
    await context?.pool.end();
  });

  it('creates and reads a schema', async () => {
    const fieldsFile = join(workDir, 'fields.json');
    await writeFile(fieldsFile, JSON.stringify([{ name: 'sku', type: 'text', isPrimaryKey: true }, { name: 'price', type: 'numeric' }]));
    const name = `items_${Math.random().toString(16).slice(2, 10)}`;

    const created = await flow(['schemas', 'create', '--name', name, '--file', fieldsFile, '--json']);
    expect(created.status, created.stderr).toBe(0);
    const schema = JSON.parse(created.stdout).schema;
    expect(schema.name).toBe(name);
    await context.pool.query(`INSERT INTO "${schema.schemaName}"."${schema.tableName}" VALUES ('a-1', 12345678901234567890.123)`);

    const listed = await flow(['schemas', 'list', '--json']);
    expect(JSON.parse(listed.stdout).schemas.map((item: { id: string }) => item.id)).toContain(schema.id);
    const table = await flow(['schemas', 'list']);
    expect(table.stdout.split('\n')[0]).toMatch(/^ID\s+NAME\s+TABLE\s+FIELDS\s+PRIMARY KEY$/);
    expect(table.stdout).toContain(name);

    const rows = await flow(['schemas', 'rows', schema.id, '--limit', '5', '--json']);
    expect(rows.status, rows.stderr).toBe(0);
    expect(JSON.parse(rows.stdout).rows).toEqual([{ sku: 'a-1', price: '12345678901234567890.123' }]);
  });

  it('lists API keys without the key', async () => {
    const result = await flow(['keys', 'list', '--json']);

    expect(result.status, result.stderr).toBe(0);
    const keys = JSON.parse(result.stdout).apiKeys;
    expect(keys).toHaveLength(1);
    expect(keys[0].keyPrefix).toBe(apiKey.slice(0, 12));
    expect(result.stdout).not.toContain(apiKey);
  });

  it('prints health as a table', async () => {
    const result = await flow(['health']);

    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^Flow is ok\./);
    expect(result.stdout).toMatch(/postgres\s+up/);
  });

  it('exits 2 on a usage error', async () => {
    const missingArgument = await flow(['schemas', 'rows']);
    expect(missingArgument.status).toBe(2);
    const badLimit = await flow(['schemas', 'rows', '00000000-0000-4000-8000-000000000000', '--limit', 'many']);
    expect(badLimit.status).toBe(2);
    expect(badLimit.stderr).toContain('--limit');
    const noKey = await flow(['pipelines', 'list'], { FLOW_API_KEY: '' });
    expect(noKey.status).toBe(2);
  });

  it('exits 1 when the API reports a failure', async () => {
    const result = await flow(['pipelines', 'get', '00000000-0000-4000-8000-000000000000']);

    expect(result.status).toBe(1);
    expect(result.stderr).toContain('NOT_FOUND');
  });
});
