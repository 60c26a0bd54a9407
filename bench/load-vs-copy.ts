import { createReadStream, mkdirSync, writeFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { ChildProcess } from 'node:child_process';
import { createS3Client } from '../shared/src/aws/clients.ts';
import { insertConnector } from '../shared/src/connectors/connector-store.ts';
import { createDataset, type Dataset } from '../shared/src/datasets/dataset-store.ts';
import { datasetFieldsSchema } from '../shared/src/datasets/field-schema.ts';
import { createTableSql } from '../shared/src/datasets/dataset-table.ts';
import { quoteQualified } from '../shared/src/db/quote.ts';
import { createPipeline } from '../shared/src/pipelines/pipeline-store.ts';
import { createServiceContext } from '../shared/src/runtime/service-context.ts';
import { publishRunRequest } from '../shared/src/runs/run-request.ts';
import { createTenant, type Tenant } from '../shared/src/tenants/tenant-store.ts';
import { customerFields } from '../scripts/lib/customers-csv.ts';
import { peakRssMiB, startServiceProcess, timeCommand, writeCustomersFile } from './support.ts';

/**
 * Loads customers CSV files through Flow's S3 -> runner path and, in the same run, `psql \copy`
 * of the same file into an identical empty table, for these cases:
 *  - upsert, first load: into an empty table (the file goes straight to COPY);
 *  - upsert, reload: a changed copy over the loaded table (stage, then INSERT ... ON CONFLICT);
 *  - upsert with a trim step, which forces Flow's own row program (csv-parse, casts in JavaScript);
 *  - truncate, over the loaded table;
 *  - blue_green, over the loaded table.
 * Each file size gets a fresh runner process, so its peak memory belongs to that size alone.
 * Usage: node bench/load-vs-copy.ts [--cases upsert,reload,transform,truncate,blue_green] [rows ...]
 * (default: every case at 100000 and 1000000 rows)
 */
const argv = process.argv.slice(2);
const casesFlag = argv.indexOf('--cases');
const selectedCases = casesFlag >= 0 ? (argv[casesFlag + 1] ?? '').split(',') : ['upsert', 'reload', 'transform', 'truncate', 'blue_green'];
const sizes = argv.filter((value, index) => index !== casesFlag + 1 || casesFlag < 0).map(Number).filter((value) => value > 0);
const rowCounts = sizes.length > 0 ? sizes : [100_000, 1_000_000];

const context = await createServiceContext('bench');
const { pool, config } = context;
const s3 = createS3Client(config);
const fields = datasetFieldsSchema.parse(customerFields);
mkdirSync('bench/data', { recursive: true });

interface Measurement {
  rows: number;
  fileMiB: string;
  case: string;
  flowSeconds: string;
  copySeconds: string;
  speedVsCopy: string;
  rowsWritten: string;
  runnerPeakRssMiB: string;
}

async function runPipeline(tenant: Tenant, pipelineId: string): Promise<{ seconds: number; rowsWritten: string }> {
  const producer = context.kafka.producer();
  await producer.connect();
  const requestId = randomUUID();
  await publishRunRequest(producer, context.topics.runRequests, { requestId, tenantId: tenant.id, pipelineId, trigger: 'manual', requestedAt: new Date().toISOString() });
  await producer.disconnect();
  for (;;) {
    const found = await pool.query(
      'SELECT status, rows_written, error_message, started_at, finished_at FROM flow.runs WHERE request_id = $1',
      [requestId],
    );
    const run = found.rows[0];
    if (run && ['succeeded', 'failed', 'skipped'].includes(run.status)) {
      if (run.status !== 'succeeded') throw new Error(`bench run ${run.status}: ${run.error_message}`);
      return { seconds: (run.finished_at.getTime() - run.started_at.getTime()) / 1000, rowsWritten: run.rows_written };
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function copyReference(tenant: Tenant, file: string): Promise<number> {
  const table = `ds_ref_${randomUUID().slice(0, 8)}`;
  await pool.query(createTableSql(tenant.schemaName, table, fields));
  const milliseconds = await timeCommand('psql', [
    config.DATABASE_URL,
    '-v',
    'ON_ERROR_STOP=1',
    '-c',
    `\\copy ${quoteQualified(tenant.schemaName, table)} FROM '${file}' WITH (FORMAT csv, HEADER true)`,
  ]);
  return milliseconds / 1000;
}

async function createBenchPipeline(
  tenant: Tenant,
  dataset: Dataset,
  bucket: string,
  name: string,
  transform: boolean,
  loadMode = 'upsert',
): Promise<string> {
  const connector = await insertConnector(pool, config, {
    tenantId: tenant.id,
    name,
    type: 's3',
    settings: { authMethod: 'default', bucket },
    secrets: {},
    verified: true,
  });
  const nodes: unknown[] = [{ id: 'src', type: 'source', kind: 's3_csv', connectorId: connector.id, keyPrefix: 'incoming/' }];
  const edges: [string, string][] = [];
  if (transform) {
    nodes.push({ id: 'clean', type: 'transform', steps: [{ op: 'trim', fields: ['first_name', 'last_name', 'email'] }] });
    edges.push(['src', 'clean'], ['clean', 'load']);
  } else {
    edges.push(['src', 'load']);
  }
  nodes.push({ id: 'load', type: 'target', datasetId: dataset.id, loadMode, keyFields: loadMode === 'upsert' ? ['customer_id'] : [] });
  const pipeline = await createPipeline(pool, config, tenant.id, { name, ir: { irVersion: '1.0', nodes, edges, errorHandling: {} } });
  return pipeline.id;
}

async function upload(bucket: string, key: string, file: string): Promise<void> {
  await new Upload({ client: s3, params: { Bucket: bucket, Key: key, Body: createReadStream(file) } }).done();
}

const results: Measurement[] = [];
let runner: ChildProcess | undefined;
try {
  for (const rows of rowCounts) {
    runner = startServiceProcess('services/runner/src/main.ts', process.env);
    const file = `bench/data/customers-${rows}.csv`;
    const changedFile = `bench/data/customers-${rows}-changed.csv`;
    const bytes = await writeCustomersFile(file, rows);
    await writeCustomersFile(changedFile, rows, 1);
    const fileMiB = (bytes / 1_048_576).toFixed(1);

    const suffix = randomUUID().slice(0, 8);
    const tenant = await createTenant(pool, `bench-${suffix}`);
    const dataset = await createDataset(pool, tenant, 'customer', fields);
    const transformedDataset = await createDataset(pool, tenant, 'customer_trimmed', fields);
    const bucket = `flow-bench-${suffix}`;
    const transformedBucket = `flow-bench-${suffix}-t`;
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await s3.send(new CreateBucketCommand({ Bucket: transformedBucket }));
    const plain = await createBenchPipeline(tenant, dataset, bucket, 'plain', false);
    const transformed = await createBenchPipeline(tenant, transformedDataset, transformedBucket, 'transformed', true);
    // truncate and blue_green replace the table the upsert cases loaded, through pipelines of their own.
    const truncate = await createBenchPipeline(tenant, dataset, bucket, 'truncate', false, 'truncate');
    const blueGreen = await createBenchPipeline(tenant, dataset, bucket, 'blue-green', false, 'blue_green');

    const cases: Array<{ id: string; name: string; pipelineId: string; bucket: string; file: string }> = [
      { id: 'upsert', name: 'upsert, first load (empty table)', pipelineId: plain, bucket, file },
      { id: 'reload', name: 'upsert, reload of a changed copy', pipelineId: plain, bucket, file: changedFile },
      { id: 'transform', name: 'upsert with a trim transform', pipelineId: transformed, bucket: transformedBucket, file },
      { id: 'truncate', name: 'truncate over a loaded table', pipelineId: truncate, bucket, file },
      { id: 'blue_green', name: 'blue_green over a loaded table', pipelineId: blueGreen, bucket, file: changedFile },
    ];
    for (const item of cases.filter((candidate) => selectedCases.includes(candidate.id))) {
      await upload(item.bucket, 'incoming/customers.csv', item.file);
      const flow = await runPipeline(tenant, item.pipelineId);
      const copySeconds = await copyReference(tenant, item.file);
      results.push({
        rows,
        fileMiB,
        case: item.name,
        flowSeconds: flow.seconds.toFixed(2),
        copySeconds: copySeconds.toFixed(2),
        speedVsCopy: (copySeconds / flow.seconds).toFixed(2),
        rowsWritten: flow.rowsWritten,
        runnerPeakRssMiB: peakRssMiB(runner.pid!).toFixed(0),
      });
      console.log(JSON.stringify(results.at(-1)));
    }
    runner.kill('SIGTERM');
    runner = undefined;
  }
} finally {
  runner?.kill('SIGTERM');
  await pool.end();
}

writeFileSync('bench/data/load-vs-copy.json', `${JSON.stringify(results, null, 2)}\n`);
process.exit(0);
