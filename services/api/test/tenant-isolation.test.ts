import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bodyOf, call, createTestTenant, randomName, startApiHarness, type ApiHarness, type TestTenant } from './support/api-harness.ts';
import { createCustomerDataset, customerIr, insertTestConnector } from './support/fixtures.ts';

describe('tenant isolation', () => {
  let harness: ApiHarness;
  let owner: TestTenant;
  let other: TestTenant;
  const ids = { connector: '', schema: '', pipeline: '', run: '' };

  beforeAll(async () => {
    harness = await startApiHarness();
    owner = await createTestTenant(harness);
    other = await createTestTenant(harness);

    ids.connector = await insertTestConnector(harness, owner);
    ids.schema = (await createCustomerDataset(harness, owner)).id;
    const pipeline = await call(harness, owner, 'POST', '/api/v1/pipelines', {
      name: randomName('private'),
      ir: customerIr(ids.connector, ids.schema),
    });
    ids.pipeline = bodyOf(pipeline).pipeline.id;
    const run = await call(harness, owner, 'POST', `/api/v1/pipelines/${ids.pipeline}/run`);
    ids.run = bodyOf(run).runId;
  });

  afterAll(async () => {
    await harness?.close();
  });

  const cases: [string, 'GET' | 'POST', (id: typeof ids) => string][] = [
    ['connector', 'GET', (id) => `/api/v1/connectors/${id.connector}`],
    ['connector test', 'POST', (id) => `/api/v1/connectors/${id.connector}/test`],
    ['schema', 'GET', (id) => `/api/v1/schemas/${id.schema}`],
    ['schema rows', 'GET', (id) => `/api/v1/schemas/${id.schema}/rows`],
    ['pipeline', 'GET', (id) => `/api/v1/pipelines/${id.pipeline}`],
    ['pipeline ir', 'GET', (id) => `/api/v1/pipelines/${id.pipeline}/ir`],
    ['pipeline ir versions', 'GET', (id) => `/api/v1/pipelines/${id.pipeline}/ir/versions`],
    ['pipeline runs', 'GET', (id) => `/api/v1/pipelines/${id.pipeline}/runs`],
    ['pipeline run', 'POST', (id) => `/api/v1/pipelines/${id.pipeline}/run`],
    ['run', 'GET', (id) => `/api/v1/runs/${id.run}`],
    ['run dead-letter', 'GET', (id) => `/api/v1/runs/${id.run}/dead-letter`],
  ];

  it.each(cases)('hides the %s from another tenant', async (_label, method, url) => {
    // The owner reaches every object. Its connector points at a bucket that does not exist,
    // so the owner's connector test fails verification with 422 instead of succeeding.
    const owned = await call(harness, owner, method, url(ids));
    expect(owned.statusCode).not.toBe(404);

    const response = await call(harness, other, method, url(ids));
    expect(response.statusCode).toBe(404);
    expect(bodyOf(response).error.code).toBe('NOT_FOUND');
  });

  it('rejects storing an IR on another tenant pipeline', async () => {
    const response = await call(harness, other, 'POST', `/api/v1/pipelines/${ids.pipeline}/ir`, { ir: customerIr(ids.connector, ids.schema) });

    expect(response.statusCode).toBe(404);
  });

  it('keeps lists per tenant', async () => {
    for (const path of ['connectors', 'schemas', 'pipelines']) {
      const response = await call(harness, other, 'GET', `/api/v1/${path}`);
      expect(bodyOf(response)[path]).toEqual([]);
    }
  });

  it('rejects another tenant connector in IR', async () => {
    const response = await call(harness, other, 'POST', '/api/v1/pipelines', {
      name: randomName('borrowed'),
      ir: customerIr(ids.connector, ids.schema),
    });

    expect(response.statusCode).toBe(422);
    expect(bodyOf(response).error.details.issues.map((issue: { path: string }) => issue.path).sort()).toEqual([
      'source.connectorId',
      'target.datasetId',
    ]);
  });
});
