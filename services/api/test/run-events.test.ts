import { CreateBucketCommand } from '@aws-sdk/client-s3';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey, createTenant } from '@flow/shared/tenants/tenant-store';
import { customerFields, customersCsvText } from '../../../scripts/lib/customers-csv.ts';
import { putObject, startFlow, uniqueSuffix, type FlowHarness } from '../../../test/support/harness.ts';
import { buildApiApp } from '../src/app.ts';

type Json = Record<string, any>;

/** Reads a server-sent event stream to its end and returns each event's name and parsed data. */
async function readEvents(url: string, apiKey: string): Promise<Array<{ event: string; data: Json }>> {
  const response = await fetch(url, { headers: { 'x-api-key': apiKey } });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toContain('text/event-stream');
  const text = await response.text();
  return text
    .split('\n\n')
    .filter((block) => block.includes('data:'))
    .map((block) => {
      const lines = block.split('\n');
      const event = lines.find((line) => line.startsWith('event:'))?.slice(6).trim() ?? 'message';
      const data = lines.filter((line) => line.startsWith('data:')).map((line) => line.slice(5).trim()).join('\n');
      return { event, data: JSON.parse(data) as Json };
    });
}

describe('run events and lineage with a live runner', () => {
  let harness: FlowHarness;
  let app: FastifyInstance;
  let baseUrl: string;
  let apiKey: string;

  async function api(method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; body: Json }> {
    const response = await fetch(`${baseUrl}/api/v1${path}`, {
      method,
      headers: { 'x-api-key': apiKey, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Json };
  }

  beforeAll(async () => {
    harness = await startFlow({ services: ['runner'] });
    app = buildApiApp(harness.context);
    baseUrl = await app.listen({ host: '127.0.0.1', port: 0 });
    const tenant = await createTenant(harness.context.pool, `events-${uniqueSuffix()}`);
    apiKey = (await createApiKey(harness.context.pool, tenant.id)).key;
  });

  afterAll(async () => {
    await app?.close();
    await harness?.stop();
  });

  it('streams run states in order and records lineage', async () => {
    const bucket = `flow-events-${uniqueSuffix()}`;
    await harness.s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const connector = await api('POST', '/connectors', { name: 'landing', type: 's3', authMethod: 'default', bucket });
    expect(connector.status).toBe(201);
    const schema = await api('POST', '/schemas', { name: 'customer', fields: customerFields });
    expect(schema.status).toBe(201);
    const ir = {
      irVersion: '1.0',
      nodes: [
        { id: 'source', type: 'source', kind: 's3_csv', connectorId: connector.body.connector.id, keyPrefix: 'in/' },
        {
          id: 'shape',
          type: 'transform',
          steps: [
            { op: 'rename', from: 'email', to: 'contact' },
            { op: 'rename', from: 'contact', to: 'email' },
            { op: 'derive', field: 'segment', expression: 'first_name + " " + last_name' },
          ],
        },
        { id: 'target', type: 'target', datasetId: schema.body.schema.id, loadMode: 'upsert', keyFields: ['customer_id'] },
      ],
      edges: [
        ['source', 'shape'],
        ['shape', 'target'],
      ],
      errorHandling: {},
    };
    const pipeline = await api('POST', '/pipelines', { name: 'customers', ir });
    expect(pipeline.status, JSON.stringify(pipeline.body)).toBe(201);
    await putObject(harness, bucket, 'in/customers.csv', customersCsvText(200));

    const started = await api('POST', `/pipelines/${pipeline.body.pipeline.id}/run`);
    expect(started.status).toBe(202);
    const events = await readEvents(`${baseUrl}/api/v1/runs/${started.body.runId}/events`, apiKey);

    const statuses = events.map((event) => event.data.status);
    expect(events.every((event) => event.event === 'run')).toBe(true);
    expect(statuses.at(-1)).toBe('succeeded');
    const order = ['queued', 'running', 'succeeded'];
    expect(statuses.map((status) => order.indexOf(status))).toEqual([...statuses.map((status) => order.indexOf(status))].sort());
    expect(new Set(statuses).size).toBe(statuses.length);
    expect(events.at(-1)!.data.rowsWritten).toBe('200');

    const lineage = await api('GET', `/runs/${started.body.runId}/lineage`);
    expect(lineage.status).toBe(200);
    expect(lineage.body.lineage.objects).toHaveLength(1);
    expect(lineage.body.lineage.objects[0]).toMatchObject({ bucket, key: 'in/customers.csv', rowsRead: '200' });
    expect(lineage.body.lineage.objects[0].etag).toMatch(/\w+/);
    const columns = new Map((lineage.body.lineage.columns as Json[]).map((column) => [column.target, column]));
    expect(columns.get('segment')).toEqual({ target: 'segment', sources: ['first_name', 'last_name'], steps: ['derive'] });
    expect(columns.get('email')).toEqual({ target: 'email', sources: ['email'], steps: ['rename', 'rename'] });
    expect(columns.get('customer_id')).toEqual({ target: 'customer_id', sources: ['customer_id'], steps: [] });

    const byDataset = await api('GET', `/lineage?dataset=${schema.body.schema.id}`);
    expect(byDataset.body.runs.map((run: Json) => run.runId)).toEqual([started.body.runId]);
  });

  it('closes the stream of an ended run at once', async () => {
    const runs = await harness.context.pool.query<{ id: string }>(
      `SELECT r.id FROM flow.runs r JOIN flow.api_keys k ON k.tenant_id = r.tenant_id WHERE k.key_prefix = $1 AND r.status = 'succeeded'`,
      [apiKey.slice(0, 12)],
    );
    const events = await readEvents(`${baseUrl}/api/v1/runs/${runs.rows[0]!.id}/events`, apiKey);

    expect(events.map((event) => event.data.status)).toEqual(['succeeded']);
  });
});
