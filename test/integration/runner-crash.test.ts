import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertConnector } from '../../shared/src/connectors/connector-store.ts';
import { createDataset } from '../../shared/src/datasets/dataset-store.ts';
import { datasetFieldsSchema } from '../../shared/src/datasets/field-schema.ts';
import { quoteQualified } from '../../shared/src/db/quote.ts';
import { createPipeline } from '../../shared/src/pipelines/pipeline-store.ts';
import { publishRunRequest } from '../../shared/src/runs/run-request.ts';
import { createTenant } from '../../shared/src/tenants/tenant-store.ts';
import { customerFields, customersCsvText } from '../../scripts/lib/customers-csv.ts';
import { putObject, startFlow, uniqueSuffix, type FlowHarness } from '../support/harness.ts';

/**
 * A runner killed with SIGKILL in the middle of a load: its transaction never commits, and once
 * the broker notices the silent member, a second runner takes the request, finds the run
 * interrupted and loads the file again. Every row must land exactly once.
 */

let harness: FlowHarness;
const runners: ChildProcess[] = [];

function startRunnerProcess(): ChildProcess {
  const child = spawn(process.execPath, ['services/runner/src/main.ts'], {
    env: {
      ...process.env,
      FLOW_KAFKA_NAMESPACE: harness.context.config.FLOW_KAFKA_NAMESPACE,
      FLOW_RUNNER_SESSION_TIMEOUT_MS: '8000',
      FLOW_LOG_LEVEL: 'fatal',
    },
    stdio: 'ignore',
  });
  runners.push(child);
  return child;
}

async function pollRun(requestId: string, until: (row: Record<string, any>) => boolean, timeoutMs: number): Promise<Record<string, any>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await harness.context.pool.query(
      'SELECT id, status, attempt, rows_read, rows_written FROM flow.runs WHERE request_id = $1',
      [requestId],
    );
    const row = found.rows[0];
    if (row && until(row)) return row;
    if (Date.now() > deadline) throw new Error(`run of request ${requestId} did not reach the expected state: ${JSON.stringify(row)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

beforeAll(async () => {
  // The harness only provides the namespace, its topics and the pool; the runners are child processes.
  harness = await startFlow({ services: [] });
});

afterAll(async () => {
  for (const child of runners) child.kill('SIGKILL');
  await harness?.stop();
});

describe('runner crash', () => {
  it('reloads an interrupted run exactly once', async () => {
    const pool = harness.context.pool;
    const suffix = uniqueSuffix();
    const tenant = await createTenant(pool, `crash-${suffix}`);
    const dataset = await createDataset(pool, tenant, 'customer', datasetFieldsSchema.parse(customerFields));
    const bucket = `flow-crash-${suffix}`;
    await harness.s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const connector = await insertConnector(pool, harness.context.config, {
      tenantId: tenant.id,
      name: 'landing',
      type: 's3',
      settings: { authMethod: 'default', bucket },
      secrets: {},
      verified: true,
    });
    // A trim step makes the runner parse the file itself, which is slow enough to interrupt.
    const pipeline = await createPipeline(pool, harness.context.config, tenant.id, {
      name: 'customers',
      ir: {
        irVersion: '1.0',
        nodes: [
          { id: 'source', type: 'source', kind: 's3_csv', connectorId: connector.id, keyPrefix: 'in/' },
          { id: 'clean', type: 'transform', steps: [{ op: 'trim', fields: ['email'] }] },
          { id: 'target', type: 'target', datasetId: dataset.id, loadMode: 'upsert', keyFields: ['customer_id'] },
        ],
        edges: [
          ['source', 'clean'],
          ['clean', 'target'],
        ],
        errorHandling: {},
      },
    });
    await putObject(harness, bucket, 'in/customers.csv', customersCsvText(200_000));

    const first = startRunnerProcess();
    const producer = harness.context.kafka.producer();
    await producer.connect();
    const requestId = `crash-${suffix}`;
    await publishRunRequest(producer, harness.context.topics.runRequests, {
      requestId,
      tenantId: tenant.id,
      pipelineId: pipeline.id,
      trigger: 'manual',
      requestedAt: new Date().toISOString(),
    });
    await producer.disconnect();

    // Kill the first runner once it has read part of the file.
    await pollRun(requestId, (row) => row.status === 'running' && Number(row.rows_read) > 0, 60_000);
    first.kill('SIGKILL');
    await once(first, 'exit');
    const table = quoteQualified(dataset.schemaName, dataset.tableName);
    expect((await pool.query(`SELECT count(*)::int AS n FROM ${table}`)).rows[0].n).toBe(0);

    startRunnerProcess();
    const finished = await pollRun(requestId, (row) => ['succeeded', 'failed', 'skipped'].includes(row.status), 90_000);
    expect(finished.status).toBe('succeeded');
    expect(finished.attempt).toBe(2);
    expect(finished.rows_read).toBe('200000');
    expect(finished.rows_written).toBe('200000');
    expect((await pool.query(`SELECT count(*)::int AS n, count(DISTINCT customer_id)::int AS d FROM ${table}`)).rows[0]).toEqual({ n: 200_000, d: 200_000 });
    const objects = await pool.query('SELECT count(*)::int AS n FROM flow.source_objects WHERE run_id = $1', [finished.id]);
    expect(objects.rows[0].n).toBe(1);
  });
});
