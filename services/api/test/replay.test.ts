import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '@flow/shared/tenants/tenant-store';
import type { Run } from '@flow/shared/runs/run-store';
import { customersCsvText } from '../../../scripts/lib/customers-csv.ts';
import { createCustomerPipeline, putObject, startFlow, waitForFinishedRuns, type FlowHarness } from '../../../test/support/harness.ts';
import { bodyOf, call, createTestTenant, startApiHarness, type ApiHarness, type TestTenant } from './support/api-harness.ts';

describe('run replay', () => {
  let flow: FlowHarness;
  let api: ApiHarness;

  beforeAll(async () => {
    // Runner only: without the S3 bridge an upload starts no run, so each test starts its own.
    flow = await startFlow({ services: ['runner'] });
    api = await startApiHarness({ context: flow.context });
  });

  afterAll(async () => {
    await api?.close();
    await flow?.stop();
  });

  /** Creates a customers pipeline with an API key of its tenant, uploads `csv` and runs it to its end. */
  async function loadedPipeline(csv: string, errorHandling: Record<string, unknown> = {}) {
    const fixture = await createCustomerPipeline(flow, { errorHandling });
    const key = await createApiKey(flow.context.pool, fixture.tenant.id);
    const tenant: TestTenant = { ...fixture.tenant, apiKey: key.key, apiKeyId: key.id };
    await putObject(flow, fixture.bucket, `${fixture.prefix}customers.csv`, csv);

    const started = await call(api, tenant, 'POST', `/api/v1/pipelines/${fixture.pipelineId}/run`);
    expect(started.statusCode).toBe(202);
    const [run] = await waitForFinishedRuns(flow.context.pool, fixture.pipelineId, 1);
    return { fixture, tenant, run: run! };
  }

  it('queues a replay of a loaded run', async () => {
    const { fixture, tenant, run } = await loadedPipeline(customersCsvText(20));
    expect(run.status).toBe('succeeded');

    const response = await call(api, tenant, 'POST', `/api/v1/runs/${run.id}/replay`);

    expect(response.statusCode).toBe(202);
    const body = bodyOf<{ runId: string; requestId: string; status: string }>(response);
    expect(body.runId).not.toBe(run.id);
    expect(body.status).toBe('queued');
    expect(body.requestId).toMatch(/^[0-9a-f-]{36}$/);

    const runs = await waitForFinishedRuns(flow.context.pool, fixture.pipelineId, 2);
    const replay = runs.find((candidate: Run) => candidate.id === body.runId);
    expect(replay?.trigger).toBe('replay');
    expect(replay?.replayOf).toBe(run.id);
    expect(replay?.status).toBe('succeeded');
    expect(replay?.rowsRead).toBe('20');
  });

  it('replays a run twice and a replay', async () => {
    const { fixture, tenant, run } = await loadedPipeline(customersCsvText(10));

    const first = bodyOf(await call(api, tenant, 'POST', `/api/v1/runs/${run.id}/replay`)).runId as string;
    await waitForFinishedRuns(flow.context.pool, fixture.pipelineId, 2);
    const second = bodyOf(await call(api, tenant, 'POST', `/api/v1/runs/${run.id}/replay`)).runId as string;
    await waitForFinishedRuns(flow.context.pool, fixture.pipelineId, 3);
    const third = bodyOf(await call(api, tenant, 'POST', `/api/v1/runs/${first}/replay`)).runId as string;
    const runs = await waitForFinishedRuns(flow.context.pool, fixture.pipelineId, 4);

    for (const id of [first, second, third]) {
      const replay = runs.find((candidate: Run) => candidate.id === id);
      expect(replay?.status, `${id}: ${replay?.errorMessage}`).toBe('succeeded');
      expect(replay?.replayOf).toBe(run.id);
    }
  });

  it('rejects a run that loaded nothing with 409', async () => {
    const csv = customersCsvText(3).replace(/,(\d+)\n/, ',many\n');
    const { tenant, run } = await loadedPipeline(csv, { maxErrorRatio: 0 });
    expect(run.status).toBe('failed');

    const response = await call(api, tenant, 'POST', `/api/v1/runs/${run.id}/replay`);

    expect(response.statusCode).toBe(409);
    const error = bodyOf(response).error;
    expect(error.code).toBe('CONFLICT');
    expect(error.message).toContain('loaded no source object');
    expect(error.details).toEqual({ runId: run.id, status: 'failed', objects: 0 });
  });

  it('hides another tenant\'s run with 404', async () => {
    const { run } = await loadedPipeline(customersCsvText(5));
    const stranger = await createTestTenant(api);

    const response = await call(api, stranger, 'POST', `/api/v1/runs/${run.id}/replay`);

    expect(response.statusCode).toBe(404);
    expect(bodyOf(response).error.code).toBe('NOT_FOUND');
  });

  it('returns the key\'s tenant from whoami', async () => {
    const tenant = await createTestTenant(api);

    const response = await call(api, tenant, 'GET', '/api/v1/whoami');

    expect(response.statusCode).toBe(200);
    expect(bodyOf(response)).toEqual({ tenantId: tenant.id, tenantName: tenant.name });
  });
});
