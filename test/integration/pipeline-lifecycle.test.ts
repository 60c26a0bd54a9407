import { CreateBucketCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApiApp } from '../../services/api/src/app.ts';
import { quoteQualified } from '../../shared/src/db/quote.ts';
import { createApiKey, createTenant } from '../../shared/src/tenants/tenant-store.ts';
import { customerFields, customersCsvText } from '../../scripts/lib/customers-csv.ts';
import { putObject, startFlow, uniqueSuffix, type FlowHarness } from '../support/harness.ts';

/**
 * The life of a pipeline as a data engineer drives it through the API. It is created and run in
 * upsert. Then each load mode is set by posting a new IR version, the file is uploaded again, and
 * the run and the table's exact contents are checked, with the guards that keep a table safe.
 */

let harness: FlowHarness;
let app: FastifyInstance;
let apiKey: string;
let bucket: string;
let connectorId: string;

type Json = Record<string, any>;

async function api(method: 'GET' | 'POST', url: string, body?: unknown): Promise<{ status: number; body: Json }> {
  const response = await app.inject({
    method,
    url: `/api/v1${url}`,
    headers: { 'x-api-key': apiKey },
    ...(body === undefined ? {} : { payload: body as Json }),
  });
  return { status: response.statusCode, body: response.json() as Json };
}

async function runAndWait(pipelineId: string): Promise<Json> {
  const started = await api('POST', `/pipelines/${pipelineId}/run`);
  expect(started.status).toBe(202);
  const deadline = Date.now() + 60_000;
  for (;;) {
    const run = await api('GET', `/runs/${started.body.runId}`);
    if (['succeeded', 'failed', 'skipped'].includes(run.body.run?.status ?? run.body.status)) return run.body.run ?? run.body;
    if (Date.now() > deadline) throw new Error(`run ${started.body.runId} did not finish: ${JSON.stringify(run.body)}`);
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
}

/** GETs the current IR, changes its target node and POSTs it as the next version. */
async function switchTarget(pipelineId: string, change: Json): Promise<number> {
  const current = await api('GET', `/pipelines/${pipelineId}/ir`);
  expect(current.status).toBe(200);
  const ir = current.body.ir;
  const target = ir.nodes.find((node: Json) => node.type === 'target');
  Object.assign(target, change);
  const stored = await api('POST', `/pipelines/${pipelineId}/ir`, { ir });
  expect(stored.status, JSON.stringify(stored.body)).toBe(201);
  expect(stored.body.version).toBe(current.body.version + 1);
  return stored.body.version;
}

async function createSchema(name: string, fields: readonly Json[]): Promise<Json> {
  const created = await api('POST', '/schemas', { name, fields });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return created.body.schema;
}

async function createPipeline(name: string, datasetId: string, prefix: string, target: Json, extraNodes: Json[] = []): Promise<string> {
  const nodes = [
    { id: 'source', type: 'source', kind: 's3_csv', connectorId, keyPrefix: prefix },
    ...extraNodes,
    { id: 'target', type: 'target', datasetId, ...target },
  ];
  const edges = nodes.slice(1).map((node, index) => [nodes[index]!.id, node.id]);
  const created = await api('POST', '/pipelines', { name, ir: { irVersion: '1.0', nodes, edges, errorHandling: { maxErrorRatio: 1 } } });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return created.body.pipeline.id;
}

async function tableRows(schema: Json, orderBy: string): Promise<Json[]> {
  const result = await harness.context.pool.query(`SELECT * FROM ${quoteQualified(schema.schemaName, schema.tableName)} ORDER BY ${orderBy}`);
  return result.rows;
}

beforeAll(async () => {
  harness = await startFlow({ services: ['runner'] });
  app = buildApiApp(harness.context);
  await app.ready();
  const tenant = await createTenant(harness.context.pool, `lifecycle-${uniqueSuffix()}`);
  apiKey = (await createApiKey(harness.context.pool, tenant.id)).key;
  bucket = `flow-lifecycle-${uniqueSuffix()}`;
  // No notifications on this bucket: every run here is started through the API.
  await harness.s3.send(new CreateBucketCommand({ Bucket: bucket }));
  const connector = await api('POST', '/connectors', { name: 'landing', type: 's3', authMethod: 'default', bucket });
  expect(connector.status, JSON.stringify(connector.body)).toBe(201);
  connectorId = connector.body.connector.id;
});

afterAll(async () => {
  await app?.close();
  await harness?.stop();
});

describe('pipeline lifecycle through the API', () => {
  it('switches load modes and keeps the table safe', async () => {
    const schema = await createSchema('customer', customerFields);
    const pipelineId = await createPipeline('customers', schema.id, 'incoming/', { loadMode: 'upsert', keyFields: ['customer_id'] });

    // upsert: 20 customers.
    await putObject(harness, bucket, 'incoming/customers.csv', customersCsvText(20));
    const first = await runAndWait(pipelineId);
    expect(first.status).toBe('succeeded');
    expect(first.irVersion).toBe(1);
    expect(first.rowsWritten).toBe('20');
    let rows = await tableRows(schema, 'customer_id');
    expect(rows).toHaveLength(20);
    const expectedFirst = customersCsvText(20).split('\n')[1]!.split(',');
    expect(rows[0]!.email).toBe(expectedFirst[3]);
    expect(rows[0]!.lifetime_value).toBe(expectedFirst[13]);
    const listed = await harness.s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'incoming/' }));
    expect(listed.KeyCount ?? 0).toBe(0);

    // truncate: the table becomes exactly the new file.
    expect(await switchTarget(pipelineId, { loadMode: 'truncate' })).toBe(2);
    await putObject(harness, bucket, 'incoming/customers.csv', customersCsvText(15, { revision: 1 }));
    const truncated = await runAndWait(pipelineId);
    expect(truncated.status).toBe('succeeded');
    expect(truncated.irVersion).toBe(2);
    rows = await tableRows(schema, 'customer_id');
    expect(rows).toHaveLength(15);
    expect(rows[0]!.lifetime_value).toBe(customersCsvText(15, { revision: 1 }).split('\n')[1]!.split(',')[13]);

    // The empty-source guard: nothing uploaded, so the run fails and the table keeps its rows.
    const empty = await runAndWait(pipelineId);
    expect(empty.status).toBe('failed');
    expect(empty.error?.code ?? empty.errorCode).toBe('SOURCE_EMPTY');
    expect(empty.error?.message ?? empty.errorMessage).toMatch(/^empty source: pipeline "customers" found no objects under the prefix/);
    expect(await tableRows(schema, 'customer_id')).toHaveLength(15);
    const health = await api('GET', '/system-health');
    const alerts = (health.body.alerts as Json[]).filter((alert) => alert.runId === empty.id);
    expect(alerts.map((alert) => alert.severity).sort()).toEqual(['error', 'warning']);
    expect(alerts.find((alert) => alert.severity === 'warning')!.message).toBe('Source of pipeline "customers" had no data to load');
    expect(alerts.find((alert) => alert.severity === 'error')!.message).toBe('Run of pipeline "customers" failed: SOURCE_EMPTY');

    // A header and no rows trips the guard too.
    await putObject(harness, bucket, 'incoming/header-only.csv', `${customersCsvText(0)}`);
    const headerOnly = await runAndWait(pipelineId);
    expect(headerOnly.status).toBe('failed');
    expect(headerOnly.error?.message ?? headerOnly.errorMessage).toMatch(/only empty files or files with a header and no rows/);
    expect(await tableRows(schema, 'customer_id')).toHaveLength(15);

    // Rows that all fail validation trip it as well; the header-only file is still there.
    const bad = customersCsvText(3).replace(/,(\d+)\n/g, ',many\n');
    await putObject(harness, bucket, 'incoming/bad.csv', bad);
    const invalid = await runAndWait(pipelineId);
    expect(invalid.status).toBe('failed');
    expect(invalid.error?.message ?? invalid.errorMessage).toMatch(/no row that passed validation/);
    expect(await tableRows(schema, 'customer_id')).toHaveLength(15);
    const deadLetters = await api('GET', `/runs/${invalid.id}/dead-letter`);
    expect(deadLetters.body.total).toBe(3);
  });

  it('swaps blue_green under a concurrent reader', async () => {
    const schema = await createSchema('customer_bg', customerFields);
    const pipelineId = await createPipeline('customers blue green', schema.id, 'bg/', { loadMode: 'blue_green' });
    await putObject(harness, bucket, 'bg/customers.csv', customersCsvText(5_000));
    expect((await runAndWait(pipelineId)).status).toBe('succeeded');

    const table = quoteQualified(schema.schemaName, schema.tableName);
    const reader = new pg.Client({ connectionString: harness.context.config.DATABASE_URL });
    await reader.connect();
    const counts: number[] = [];
    const errors: string[] = [];
    let reading = true;
    const loop = (async () => {
      while (reading) {
        try {
          const result = await reader.query(`SELECT count(*)::int AS n FROM ${table}`);
          counts.push(result.rows[0].n);
        } catch (error) {
          errors.push((error as Error).message);
        }
      }
    })();

    await putObject(harness, bucket, 'bg/customers.csv', customersCsvText(60_000, { revision: 2 }));
    const swapped = await runAndWait(pipelineId);
    reading = false;
    await loop;
    await reader.end();

    expect(swapped.status).toBe('succeeded');
    expect(errors).toEqual([]);
    expect(counts.length).toBeGreaterThan(10);
    expect(counts.every((count) => count === 5_000 || count === 60_000)).toBe(true);
    // The reader saw the old table while the new one was built, then the new one.
    expect(counts).toContain(5_000);
    expect(counts.at(-1)).toBe(60_000);
    const leftovers = await harness.context.pool.query(
      `SELECT relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND relname LIKE $2 ORDER BY relname`,
      [schema.schemaName, `${schema.tableName}%`],
    );
    expect(leftovers.rows.map((row) => row.relname)).toEqual([schema.tableName, `${schema.tableName}_pkey`]);
  });

  it('rejects blue_green on a table a view reads', async () => {
    const schema = await createSchema('customer_view', customerFields);
    const pipelineId = await createPipeline('customers with view', schema.id, 'view/', { loadMode: 'upsert', keyFields: ['customer_id'] });
    const view = `${schema.tableName}_active`;
    await harness.context.pool.query(
      `CREATE VIEW ${quoteQualified(schema.schemaName, view)} AS SELECT * FROM ${quoteQualified(schema.schemaName, schema.tableName)} WHERE status = 'active'`,
    );
    const current = await api('GET', `/pipelines/${pipelineId}/ir`);
    const ir = current.body.ir;
    ir.nodes.find((node: Json) => node.type === 'target').loadMode = 'blue_green';
    const rejected = await api('POST', `/pipelines/${pipelineId}/ir`, { ir });
    expect(rejected.status).toBe(422);
    expect(rejected.body.error.code).toBe('IR_INVALID');
    expect(rejected.body.error.message).toContain(`${schema.schemaName}.${view}`);
    expect(rejected.body.error.message).toContain('node "target"');
  });

  it('loads only rows past the watermark', async () => {
    const fields = [
      { name: 'event_id', type: 'bigint', isPrimaryKey: true },
      { name: 'updated_at', type: 'timestamptz' },
      { name: 'amount', type: 'numeric', precision: 12, scale: 2 },
    ];
    const schema = await createSchema('events', fields);
    const pipelineId = await createPipeline('events', schema.id, 'events/', {
      loadMode: 'incremental_watermark',
      watermarkColumn: 'updated_at',
      keyFields: ['event_id'],
    });

    await putObject(
      harness,
      bucket,
      'events/day-1.csv',
      'event_id,updated_at,amount\n1,2026-01-01T00:00:00.000001Z,10.00\n2,2026-01-01T00:00:00.000002Z,20.00\n3,2025-12-31T23:59:59Z,30.00\n',
    );
    const first = await runAndWait(pipelineId);
    expect(first.status).toBe('succeeded');
    expect(first.rowsWritten).toBe('3');
    const mark = await harness.context.pool.query('SELECT value FROM flow.pipeline_watermarks WHERE pipeline_id = $1', [pipelineId]);
    expect(mark.rows[0].value).toBe('2026-01-01 00:00:00.000002+00');

    // Day 2: one row older than the mark, one equal to it (changed), one a microsecond newer.
    await putObject(
      harness,
      bucket,
      'events/day-2.csv',
      'event_id,updated_at,amount\n3,2025-12-31T23:59:59Z,99.00\n2,2026-01-01T00:00:00.000002Z,21.00\n4,2026-01-01T00:00:00.000003Z,40.00\n',
    );
    const second = await runAndWait(pipelineId);
    expect(second.status).toBe('succeeded');
    expect(second.rowsRead).toBe('3');
    expect(second.rowsBelowWatermark).toBe('1');
    expect(second.rowsWritten).toBe('2');
    const rows = await tableRows(schema, 'event_id');
    expect(rows.map((row) => [row.event_id, row.amount])).toEqual([
      ['1', '10.00'],
      ['2', '21.00'],
      ['3', '30.00'],
      ['4', '40.00'],
    ]);
    const advanced = await harness.context.pool.query('SELECT value FROM flow.pipeline_watermarks WHERE pipeline_id = $1', [pipelineId]);
    expect(advanced.rows[0].value).toBe('2026-01-01 00:00:00.000003+00');

    // A failure between the insert and the advance of the mark leaves both untouched.
    const trigger = `fail_${uniqueSuffix()}`;
    await harness.context.pool.query(`
      CREATE FUNCTION flow.${trigger}() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.pipeline_id = '${pipelineId}' THEN RAISE EXCEPTION 'injected failure before the watermark advance'; END IF;
        RETURN NEW;
      END $$;
      CREATE TRIGGER ${trigger} BEFORE INSERT OR UPDATE ON flow.pipeline_watermarks FOR EACH ROW EXECUTE FUNCTION flow.${trigger}();`);
    try {
      await putObject(harness, bucket, 'events/day-3.csv', 'event_id,updated_at,amount\n5,2026-01-02T00:00:00Z,50.00\n');
      const failed = await runAndWait(pipelineId);
      expect(failed.status).toBe('failed');
      expect(failed.error?.message ?? failed.errorMessage).toContain('injected failure before the watermark advance');
      expect(await tableRows(schema, 'event_id')).toHaveLength(4);
      const unchanged = await harness.context.pool.query('SELECT value FROM flow.pipeline_watermarks WHERE pipeline_id = $1', [pipelineId]);
      expect(unchanged.rows[0].value).toBe('2026-01-01 00:00:00.000003+00');
    } finally {
      await harness.context.pool.query(`DROP TRIGGER ${trigger} ON flow.pipeline_watermarks; DROP FUNCTION flow.${trigger}();`);
    }
  });

  it('retries a serialization failure, never a data error', async () => {
    const schema = await createSchema('customer_retry', customerFields);
    const pipelineId = await createPipeline('customers retry', schema.id, 'retry/', { loadMode: 'upsert', keyFields: ['customer_id'] });
    // A sequence is not rolled back with the transaction, so the trigger fails only the first load.
    const name = `retry_${uniqueSuffix()}`;
    await harness.context.pool.query(`
      CREATE SEQUENCE flow.${name};
      CREATE FUNCTION flow.${name}() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.pipeline_id = '${pipelineId}' AND nextval('flow.${name}') = 1 THEN
          RAISE EXCEPTION 'injected serialization failure' USING ERRCODE = '40001';
        END IF;
        RETURN NEW;
      END $$;
      CREATE TRIGGER ${name} BEFORE INSERT ON flow.source_objects FOR EACH ROW EXECUTE FUNCTION flow.${name}();`);
    try {
      await putObject(harness, bucket, 'retry/customers.csv', customersCsvText(4));
      const retried = await runAndWait(pipelineId);
      expect(retried.status).toBe('succeeded');
      expect(retried.attempt).toBe(2);
      expect(await tableRows(schema, 'customer_id')).toHaveLength(4);

      await switchTarget(pipelineId, { emptySourceGuard: false });
      const current = await api('GET', `/pipelines/${pipelineId}/ir`);
      const ir = current.body.ir;
      ir.errorHandling.onRowError = 'fail';
      expect((await api('POST', `/pipelines/${pipelineId}/ir`, { ir })).status).toBe(201);
      await putObject(harness, bucket, 'retry/bad.csv', customersCsvText(2).replace(/,(\d+)\n/g, ',many\n'));
      const invalid = await runAndWait(pipelineId);
      expect(invalid.status).toBe('failed');
      expect(invalid.error?.code ?? invalid.errorCode).toBe('ROW_INVALID');
      expect(invalid.error?.message ?? invalid.errorMessage).toMatch(/line 2: orders_count: "many" is not a valid integer/);
      expect(invalid.attempt).toBe(1);
    } finally {
      await harness.context.pool.query(`DROP TRIGGER ${name} ON flow.source_objects; DROP FUNCTION flow.${name}(); DROP SEQUENCE flow.${name};`);
    }
  });

  it('reports progress while a run loads', async () => {
    const schema = await createSchema('customer_progress', customerFields);
    const pipelineId = await createPipeline('customers progress', schema.id, 'progress/', { loadMode: 'upsert', keyFields: ['customer_id'] }, [
      { id: 'clean', type: 'transform', steps: [{ op: 'trim', fields: ['email'] }] },
    ]);
    await putObject(harness, bucket, 'progress/customers.csv', customersCsvText(300_000));
    const started = await api('POST', `/pipelines/${pipelineId}/run`);
    const seen: Json[] = [];
    for (let polls = 0; polls < 600; polls += 1) {
      const current = await api('GET', `/runs/${started.body.runId}`);
      const run = current.body.run ?? current.body;
      seen.push(run);
      if (['succeeded', 'failed', 'skipped'].includes(run.status)) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const final = seen.at(-1)!;
    expect(final.status).toBe('succeeded');
    expect(final.rowsRead).toBe('300000');
    const during = seen.filter((run) => run.status === 'running' && Number(run.rowsRead) > 0);
    expect(during.length).toBeGreaterThan(0);
    expect(Number(during[0]!.rowsRead)).toBeLessThan(300_000);
    expect(Number(during[0]!.bytesRead)).toBeGreaterThan(0);
    expect(during[0]!.bytesTotal).toBe(final.bytesTotal);
    expect(Number(final.bytesTotal)).toBeGreaterThan(40_000_000);
  });

  it('keeps both of two concurrent IR posts', async () => {
    const schema = await createSchema('customer_versions', customerFields);
    const pipelineId = await createPipeline('customers versions', schema.id, 'versions/', { loadMode: 'upsert', keyFields: ['customer_id'] });
    const current = await api('GET', `/pipelines/${pipelineId}/ir`);
    const truncate = structuredClone(current.body.ir);
    truncate.nodes.find((node: Json) => node.type === 'target').loadMode = 'truncate';
    const blueGreen = structuredClone(current.body.ir);
    blueGreen.nodes.find((node: Json) => node.type === 'target').loadMode = 'blue_green';

    const posted = await Promise.all([api('POST', `/pipelines/${pipelineId}/ir`, { ir: truncate }), api('POST', `/pipelines/${pipelineId}/ir`, { ir: blueGreen })]);
    expect(posted.map((response) => response.status)).toEqual([201, 201]);
    expect(posted.map((response) => response.body.version).sort()).toEqual([2, 3]);
    const versions = await api('GET', `/pipelines/${pipelineId}/ir/versions`);
    const list = (versions.body.versions ?? versions.body.items) as Json[];
    expect(list.map((version) => version.version)).toEqual([1, 2, 3]);
    const modes = list.map((version) => version.ir.nodes.find((node: Json) => node.type === 'target').loadMode);
    expect(modes.slice(1).sort()).toEqual(['blue_green', 'truncate']);
  });

  it('refuses cdc_mirror while streaming is disabled', async () => {
    const schema = await createSchema('customer_cdc', customerFields);
    const created = await api('POST', '/pipelines', {
      name: 'customers mirror',
      ir: {
        irVersion: '1.0',
        nodes: [
          { id: 'source', type: 'source', kind: 'cdc_topic', topic: 'crm.public.customers' },
          { id: 'target', type: 'target', datasetId: schema.id, loadMode: 'cdc_mirror', keyFields: ['customer_id'] },
        ],
        edges: [['source', 'target']],
        errorHandling: {},
      },
    });
    expect(created.status).toBe(422);
    expect(created.body.error.code).toBe('STREAMING_DISABLED');
    expect(created.body.error.message).toContain('Set FLOW_STREAMING_ENABLED=true');
  });

  it('derives and filters with CEL expressions', async () => {
    const fields = [
      { name: 'customer_id', type: 'bigint', isPrimaryKey: true },
      { name: 'full_name', type: 'text' },
      { name: 'orders_count', type: 'integer' },
    ];
    const schema = await createSchema('customer_names', fields);
    const pipelineId = await createPipeline('names', schema.id, 'names/', { loadMode: 'upsert', keyFields: ['customer_id'] }, [
      {
        id: 'shape',
        type: 'transform',
        steps: [
          { op: 'trim', fields: ['first_name', 'last_name'] },
          { op: 'derive', field: 'full_name', expression: 'first_name + " " + last_name' },
          { op: 'filter', expression: 'int(orders_count) >= 10' },
        ],
      },
    ]);
    await putObject(harness, bucket, 'names/people.csv', 'customer_id,first_name,last_name,orders_count\n1, Ada ,Okafor,12\n2,Bruno,Lindqvist,3\n3,Chiara, Moreau,10\n');
    const run = await runAndWait(pipelineId);
    expect(run.status).toBe('succeeded');
    expect(run.rowsFiltered).toBe('1');
    const rows = await tableRows(schema, 'customer_id');
    expect(rows).toEqual([
      { customer_id: '1', full_name: 'Ada Okafor', orders_count: 12 },
      { customer_id: '3', full_name: 'Chiara Moreau', orders_count: 10 },
    ]);
  });
});
