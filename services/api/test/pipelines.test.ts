import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bodyOf, call, createTestTenant, randomName, startApiHarness, type ApiHarness, type TestTenant } from './support/api-harness.ts';
import { createCustomerDataset, customerIr, insertTestConnector } from './support/fixtures.ts';

describe('pipelines and runs', () => {
  let harness: ApiHarness;
  let tenant: TestTenant;
  let connectorId: string;
  let datasetId: string;

  beforeAll(async () => {
    harness = await startApiHarness();
    tenant = await createTestTenant(harness);
    connectorId = await insertTestConnector(harness, tenant);
    datasetId = (await createCustomerDataset(harness, tenant)).id;
  });

  afterAll(async () => {
    await harness?.close();
  });

  async function createPipeline(): Promise<string> {
    const response = await call(harness, tenant, 'POST', '/api/v1/pipelines', {
      name: randomName('customer-file'),
      ir: customerIr(connectorId, datasetId),
    });
    expect(response.statusCode).toBe(201);
    return bodyOf(response).pipeline.id;
  }

  it('creates a pipeline with IR version 1', async () => {
    const name = randomName('customer-file');
    const response = await call(harness, tenant, 'POST', '/api/v1/pipelines', {
      name,
      description: 'Customer CSV drops',
      ir: customerIr(connectorId, datasetId),
    });

    expect(response.statusCode).toBe(201);
    const body = bodyOf(response);
    expect(body.irVersion).toBe(1);
    expect(body.pipeline.name).toBe(name);
    expect(body.pipeline.description).toBe('Customer CSV drops');
    expect(body.pipeline.currentIrVersion).toBe(1);
    expect(body.pipeline.sourceBucket).toBe('unused-bucket');
    expect(body.pipeline.sourcePrefix).toBe('incoming/customers/');

    const fetched = await call(harness, tenant, 'GET', `/api/v1/pipelines/${body.pipeline.id}`);
    expect(fetched.statusCode).toBe(200);
    expect(bodyOf(fetched).pipeline.id).toBe(body.pipeline.id);
  });

  it('names the node of an invalid IR', async () => {
    const ir = customerIr(connectorId, datasetId) as { nodes: Record<string, unknown>[] };
    ir.nodes[1] = { id: 'clean', type: 'transform', steps: [{ op: 'explode', fields: ['email'] }] };

    const response = await call(harness, tenant, 'POST', '/api/v1/pipelines', { name: randomName('broken'), ir });

    expect(response.statusCode).toBe(422);
    const error = bodyOf(response).error;
    expect(error.code).toBe('IR_INVALID');
    expect(error.message).toContain('node "clean"');
    expect(error.details.issues[0].nodeId).toBe('clean');
    expect(error.details.issues[0].path).toBe('nodes.1.steps.0.op');
  });

  it('rejects an IR whose dataset belongs to nobody', async () => {
    const ir = customerIr(connectorId, '00000000-0000-4000-8000-000000000000');

    const response = await call(harness, tenant, 'POST', '/api/v1/pipelines', { name: randomName('orphan'), ir });

    expect(response.statusCode).toBe(422);
    expect(bodyOf(response).error.details.issues[0]).toEqual({
      path: 'target.datasetId',
      nodeId: 'load',
      message: 'dataset "00000000-0000-4000-8000-000000000000" does not exist',
    });
  });

  it('stores IR versions and returns the current one', async () => {
    const pipelineId = await createPipeline();
    const next = customerIr(connectorId, datasetId) as { nodes: Record<string, unknown>[] };
    next.nodes[3] = { id: 'load', type: 'target', datasetId, loadMode: 'truncate' };

    const stored = await call(harness, tenant, 'POST', `/api/v1/pipelines/${pipelineId}/ir`, { ir: next });
    expect(stored.statusCode).toBe(201);
    expect(bodyOf(stored).version).toBe(2);
    expect(bodyOf(stored).ir.nodes[3].loadMode).toBe('truncate');

    const current = await call(harness, tenant, 'GET', `/api/v1/pipelines/${pipelineId}/ir`);
    expect(current.statusCode).toBe(200);
    expect(bodyOf(current).version).toBe(2);
    expect(bodyOf(current).ir.nodes[3].loadMode).toBe('truncate');
    expect(bodyOf(current).ir.nodes[3].emptySourceGuard).toBe(true);

    const versions = await call(harness, tenant, 'GET', `/api/v1/pipelines/${pipelineId}/ir/versions`);
    expect(versions.statusCode).toBe(200);
    expect(bodyOf(versions).versions.map((version: { version: number }) => version.version)).toEqual([1, 2]);
    expect(bodyOf(versions).versions[0].ir.nodes[3].loadMode).toBe('upsert');
  });

  it('queues a manual run', async () => {
    const pipelineId = await createPipeline();

    const response = await call(harness, tenant, 'POST', `/api/v1/pipelines/${pipelineId}/run`);

    expect(response.statusCode).toBe(202);
    const body = bodyOf(response);
    expect(body.status).toBe('queued');
    expect(Object.keys(body).sort()).toEqual(['requestId', 'runId', 'status']);

    const stored = await harness.context.pool.query(
      'SELECT tenant_id, pipeline_id, request_id, trigger, status FROM flow.runs WHERE id = $1',
      [body.runId],
    );
    expect(stored.rows).toEqual([
      { tenant_id: tenant.id, pipeline_id: pipelineId, request_id: body.requestId, trigger: 'manual', status: 'queued' },
    ]);

    const run = await call(harness, tenant, 'GET', `/api/v1/runs/${body.runId}`);
    expect(run.statusCode).toBe(200);
    expect(bodyOf(run).run.id).toBe(body.runId);
    expect(bodyOf(run).run.rowsRead).toBe('0');
    expect(bodyOf(run).run.error).toBeNull();

    const runs = await call(harness, tenant, 'GET', `/api/v1/pipelines/${pipelineId}/runs`);
    expect(runs.statusCode).toBe(200);
    expect(bodyOf(runs).runs.map((item: { id: string }) => item.id)).toEqual([body.runId]);
  });

  it('lists dead-letter rows of a run', async () => {
    const pipelineId = await createPipeline();
    const started = await call(harness, tenant, 'POST', `/api/v1/pipelines/${pipelineId}/run`);
    const runId = bodyOf(started).runId;
    await harness.context.pool.query(
      `INSERT INTO flow.dead_letter_rows (tenant_id, pipeline_id, run_id, source_key, line_number, raw_row, errors)
       VALUES ($1, $2, $3, 'incoming/customers/a.csv', 9007199254740993, $4, $5)`,
      [tenant.id, pipelineId, runId, JSON.stringify({ customer_id: 'c1', email: 'nope' }), JSON.stringify([{ field: 'email', rule: 'email' }])],
    );

    const response = await call(harness, tenant, 'GET', `/api/v1/runs/${runId}/dead-letter`);

    expect(response.statusCode).toBe(200);
    const body = bodyOf(response);
    expect(body.total).toBe(1);
    expect(body.rows).toHaveLength(1);
    expect(body.rows[0].sourceKey).toBe('incoming/customers/a.csv');
    expect(body.rows[0].lineNumber).toBe('9007199254740993');
    expect(body.rows[0].rawRow).toEqual({ customer_id: 'c1', email: 'nope' });
    expect(body.rows[0].errors).toEqual([{ field: 'email', rule: 'email' }]);
  });

  it('returns 404 for unknown pipeline run', async () => {
    const response = await call(harness, tenant, 'POST', '/api/v1/pipelines/00000000-0000-4000-8000-000000000000/run');

    expect(response.statusCode).toBe(404);
    expect(bodyOf(response).error.code).toBe('NOT_FOUND');
  });
});
