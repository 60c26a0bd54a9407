import { CreateBucketCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertConnector } from '../../shared/src/connectors/connector-store.ts';
import { createDataset, type Dataset } from '../../shared/src/datasets/dataset-store.ts';
import { datasetFieldsSchema } from '../../shared/src/datasets/field-schema.ts';
import { quoteQualified } from '../../shared/src/db/quote.ts';
import { DEAD_LETTER_REASON_HEADER } from '../../shared/src/kafka/topics.ts';
import { createPipeline } from '../../shared/src/pipelines/pipeline-store.ts';
import { publishRunRequest } from '../../shared/src/runs/run-request.ts';
import { createTenant, type Tenant } from '../../shared/src/tenants/tenant-store.ts';
import { putObject, startFlow, uniqueSuffix, waitForFinishedRuns, type FlowHarness } from '../support/harness.ts';

/** Files and messages that once lost, changed or blocked data, each with the outcome it must have. */

let harness: FlowHarness;
let tenant: Tenant;

const amountFields = [
  { name: 'id', type: 'integer', isPrimaryKey: true },
  { name: 'name', type: 'text' },
  { name: 'amount', type: 'numeric', precision: 10, scale: 2 },
  { name: 'day', type: 'date' },
  { name: 'seen_at', type: 'timestamptz' },
];

interface Fixture {
  dataset: Dataset;
  pipelineId: string;
  bucket: string;
}

/** Creates a pipeline on a bucket of its own without notifications, so runs start only by hand. */
async function fixture(
  fields: readonly object[],
  target: Record<string, unknown>,
  transform?: object,
  errorHandling: Record<string, unknown> = { onRowError: 'quarantine', maxErrorRatio: 1 },
): Promise<Fixture> {
  const suffix = uniqueSuffix();
  const dataset = await createDataset(harness.context.pool, tenant, `bad_${suffix}`, datasetFieldsSchema.parse(fields));
  const bucket = `flow-bad-${suffix}`;
  await harness.s3.send(new CreateBucketCommand({ Bucket: bucket }));
  const connector = await insertConnector(harness.context.pool, harness.context.config, {
    tenantId: tenant.id,
    name: `c-${suffix}`,
    type: 's3',
    settings: { authMethod: 'default', bucket },
    secrets: {},
    verified: true,
  });
  const nodes: object[] = [{ id: 'source', type: 'source', kind: 's3_csv', connectorId: connector.id, keyPrefix: 'in/' }];
  if (transform) nodes.push({ id: 'shape', type: 'transform', steps: [transform] });
  nodes.push({ id: 'target', type: 'target', datasetId: dataset.id, ...target });
  const edges = nodes.slice(1).map((node, index) => [(nodes[index] as { id: string }).id, (node as { id: string }).id]);
  const pipeline = await createPipeline(harness.context.pool, harness.context.config, tenant.id, {
    name: `p-${suffix}`,
    ir: { irVersion: '1.0', nodes, edges, errorHandling },
  });
  return { dataset, pipelineId: pipeline.id, bucket };
}

let runCount = 0;
async function run(item: Fixture): Promise<Record<string, any>> {
  const producer = harness.context.kafka.producer();
  await producer.connect();
  runCount += 1;
  await publishRunRequest(producer, harness.context.topics.runRequests, {
    requestId: `bad-${uniqueSuffix()}`,
    tenantId: tenant.id,
    pipelineId: item.pipelineId,
    trigger: 'manual',
    requestedAt: new Date().toISOString(),
  });
  await producer.disconnect();
  const before = await harness.context.pool.query('SELECT count(*)::int AS n FROM flow.runs WHERE pipeline_id = $1 AND finished_at IS NOT NULL', [item.pipelineId]);
  const runs = await waitForFinishedRuns(harness.context.pool, item.pipelineId, before.rows[0].n + 1);
  return runs.at(-1)!;
}

async function rows(item: Fixture): Promise<Record<string, any>[]> {
  const result = await harness.context.pool.query(`SELECT * FROM ${quoteQualified(item.dataset.schemaName, item.dataset.tableName)} ORDER BY 1`);
  return result.rows;
}

async function deadLetters(runId: string): Promise<Array<{ line: string; rule: string }>> {
  const result = await harness.context.pool.query(
    `SELECT line_number AS line, errors->0->>'rule' AS rule FROM flow.dead_letter_rows WHERE run_id = $1 ORDER BY line_number`,
    [runId],
  );
  return result.rows;
}

beforeAll(async () => {
  harness = await startFlow({ services: ['runner'] });
  tenant = await createTenant(harness.context.pool, `bad-input-${uniqueSuffix()}`);
});

afterAll(async () => {
  await harness?.stop();
});

describe('bad input', () => {
  it('quarantines values PostgreSQL would read differently', async () => {
    const item = await fixture(amountFields, { loadMode: 'upsert', keyFields: ['id'] });
    const csv = [
      'id,name,amount,day,seen_at',
      '1,ok,1.50,2026-03-04,2026-03-04T10:00:00Z',
      '2,ambiguous date,2.00,03/04/2026,2026-03-04T10:00:00Z',
      '3,not a number,NaN,2026-03-04,2026-03-04T10:00:00Z',
      '4,infinite day,4.00,infinity,2026-03-04T10:00:00Z',
      '5,hour 25,5.00,2026-03-04,2026-03-04 25:00:00',
      '6,rounds past precision,99999999.999,2026-03-04,2026-03-04T10:00:00Z',
      '',
    ].join('\n');
    await putObject(harness, item.bucket, 'in/values.csv', csv);
    const result = await run(item);

    expect(result.status).toBe('succeeded');
    expect(result.rowsWritten).toBe('1');
    expect(result.rowsQuarantined).toBe('5');
    expect((await rows(item)).map((row) => row.id)).toEqual([1]);
    expect((await deadLetters(result.id)).map((entry) => entry.line)).toEqual(['3', '4', '5', '6', '7']);
  });

  it('quarantines bytes that are not UTF-8', async () => {
    const item = await fixture(amountFields, { loadMode: 'upsert', keyFields: ['id'] });
    const latin1 = Buffer.concat([
      Buffer.from('id,name,amount,day,seen_at\n1,plain,1.00,,\n2,Jos'),
      Buffer.from([0xe9]),
      Buffer.from(' M'),
      Buffer.from([0xfc]),
      Buffer.from('ller,2.00,,\n'),
    ]);
    await putObject(harness, item.bucket, 'in/latin1.csv', latin1);
    const result = await run(item);

    expect(result.status).toBe('succeeded');
    expect(result.rowsQuarantined).toBe('1');
    expect(await deadLetters(result.id)).toEqual([{ line: '3', rule: 'encoding' }]);
  });

  it('quarantines a NUL byte in text', async () => {
    const item = await fixture(amountFields, { loadMode: 'upsert', keyFields: ['id'] });
    await putObject(harness, item.bucket, 'in/nul.csv', 'id,name,amount,day,seen_at\n1,a\u0000b,1.00,,\n2,fine,2.00,,\n');
    const result = await run(item);

    expect(result.status).toBe('succeeded');
    expect(result.rowsWritten).toBe('1');
    expect(await deadLetters(result.id)).toEqual([{ line: '2', rule: 'type' }]);
  });

  it('loads files whose columns come in another order', async () => {
    const item = await fixture(amountFields, { loadMode: 'upsert', keyFields: ['id'] });
    await putObject(harness, item.bucket, 'in/a.csv', 'name,id,amount\nalice,1,1.50\nbob,2,2.50\n');
    await putObject(harness, item.bucket, 'in/b.csv', 'name,id,amount\ncarol,3,3.50\ndave,4,abc\n');
    const result = await run(item);

    expect(result.status).toBe('succeeded');
    expect(result.rowsWritten).toBe('3');
    expect(result.rowsQuarantined).toBe('1');
    expect((await rows(item)).map((row) => [row.id, row.name, row.amount])).toEqual([
      [1, 'alice', '1.50'],
      [2, 'bob', '2.50'],
      [3, 'carol', '3.50'],
    ]);
  });

  it('stages into a table with a generated id', async () => {
    const fields = [
      { name: 'k', type: 'integer' },
      { name: 'v', type: 'bigint' },
      { name: 'pad', type: 'text' },
    ];
    const item = await fixture(fields, { loadMode: 'incremental_watermark', watermarkColumn: 'v' }, { op: 'trim', fields: ['pad'] });
    await putObject(harness, item.bucket, 'in/rows.csv', 'k,v,pad\n1,10, x \n2,20,y\n');
    const result = await run(item);

    expect(result.status).toBe('succeeded');
    expect(result.rowsWritten).toBe('2');
    const loaded = await rows(item);
    expect(loaded.map((row) => [row.k, row.v, row.pad])).toEqual([
      [1, '10', 'x'],
      [2, '20', 'y'],
    ]);
    expect(loaded.every((row) => Number(row.id) > 0)).toBe(true);
  });

  it('rejects a header that repeats a column', async () => {
    const item = await fixture(amountFields, { loadMode: 'upsert', keyFields: ['id'] });
    await putObject(harness, item.bucket, 'in/twice.csv', 'id,name,name,amount\n1,first,second,1.00\n');
    const result = await run(item);

    expect(result.status).toBe('failed');
    expect(result.errorCode).toBe('CSV_MALFORMED');
    expect(result.errorMessage).toContain(`s3://${item.bucket}/in/twice.csv: The header names column "name" twice`);
    expect(result.errorMessage).toContain(`moved to s3://${item.bucket}/_archive/failed/${result.id}/in/twice.csv`);
    expect(await rows(item)).toEqual([]);
  });

  it('moves a broken file aside so later files load', async () => {
    const item = await fixture(amountFields, { loadMode: 'upsert', keyFields: ['id'] });
    await putObject(harness, item.bucket, 'in/broken.csv', 'id,name,amount\n1,"never closed,1.00\n');
    const failed = await run(item);
    expect(failed.status).toBe('failed');
    expect(failed.errorCode).toBe('CSV_MALFORMED');
    expect(failed.errorMessage).toContain(`The file was moved to s3://${item.bucket}/_archive/failed/${failed.id}/in/broken.csv`);

    await putObject(harness, item.bucket, 'in/good.csv', 'id,name,amount\n2,good,2.00\n');
    const next = await run(item);
    expect(next.status).toBe('succeeded');
    expect((await rows(item)).map((row) => row.id)).toEqual([2]);
    const left = await harness.s3.send(new ListObjectsV2Command({ Bucket: item.bucket, Prefix: 'in/' }));
    expect(left.KeyCount ?? 0).toBe(0);
  });

  it('rejects an expression reading a missing column', async () => {
    const fields = [
      { name: 'id', type: 'integer', isPrimaryKey: true },
      { name: 'full_name', type: 'text' },
    ];
    const item = await fixture(fields, { loadMode: 'upsert', keyFields: ['id'] }, { op: 'derive', field: 'full_name', expression: 'frist_name + " " + last_name' });
    await putObject(harness, item.bucket, 'in/names.csv', 'id,first_name,last_name\n1,Ada,Lovelace\n');
    const result = await run(item);

    expect(result.status).toBe('failed');
    expect(result.errorCode).toBe('IR_INVALID');
    expect(result.errorMessage).toContain('reads "frist_name", which is not a column at that step');
    const left = await harness.s3.send(new ListObjectsV2Command({ Bucket: item.bucket, Prefix: 'in/' }));
    expect(left.Contents?.map((object) => object.Key)).toEqual(['in/names.csv']);
  });

  it('keeps the counts of a run over its error limit', async () => {
    const item = await fixture(amountFields, { loadMode: 'upsert', keyFields: ['id'] }, undefined, { maxErrorRatio: 0 });
    await putObject(harness, item.bucket, 'in/strict.csv', 'id,name,amount\n1,a,1.00\n2,b,two\n3,c,3.00\n');
    const result = await run(item);

    expect(result.status).toBe('failed');
    expect(result.errorCode).toBe('QUARANTINE_LIMIT_EXCEEDED');
    expect(result.rowsRead).toBe('3');
    expect(result.rowsQuarantined).toBe('1');
    expect(result.rowsWritten).toBe('0');
    expect(result.errorMessage).toContain('The files stay under the prefix');
  });

  it('dead-letters a request for a missing pipeline and goes on', async () => {
    const item = await fixture(amountFields, { loadMode: 'upsert', keyFields: ['id'] });
    const consumer = harness.context.kafka.consumer({ groupId: `test-dlq-${uniqueSuffix()}` });
    await consumer.connect();
    await consumer.subscribe({ topic: harness.context.topics.deadLetter, fromBeginning: true });
    const missingPipelineId = '00000000-0000-4000-8000-000000000001';
    const reason = new Promise<string>((resolve) => {
      void consumer.run({
        eachMessage: async ({ message }) => {
          if (message.value?.toString().includes(missingPipelineId)) resolve(message.headers?.[DEAD_LETTER_REASON_HEADER]?.toString() ?? '');
        },
      });
    });

    // The poison request goes to the same partition as the real one: the key decides it.
    const producer = harness.context.kafka.producer();
    await producer.connect();
    await producer.send({
      topic: harness.context.topics.runRequests,
      messages: [
        {
          key: item.pipelineId,
          value: JSON.stringify({
            requestId: `poison-${uniqueSuffix()}`,
            tenantId: tenant.id,
            pipelineId: missingPipelineId,
            trigger: 'manual',
            requestedAt: new Date().toISOString(),
          }),
        },
      ],
    });
    await producer.disconnect();
    await putObject(harness, item.bucket, 'in/after.csv', 'id,name,amount\n7,after,7.00\n');
    const result = await run(item);

    expect(result.status).toBe('succeeded');
    expect(await reason).toBe(`pipeline ${missingPipelineId} of tenant ${tenant.id} does not exist`);
    await consumer.disconnect();
  });

  it('creates many datasets at once without hanging', async () => {
    const suffix = uniqueSuffix();
    const created = await Promise.all(
      Array.from({ length: 30 }, (_unused, index) =>
        createDataset(harness.context.pool, tenant, `many_${suffix}_${index}`, datasetFieldsSchema.parse(amountFields)),
      ),
    );
    expect(created).toHaveLength(30);
    expect(new Set(created.map((dataset) => dataset.tableName)).size).toBe(30);
  });
});
