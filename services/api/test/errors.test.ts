import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bodyOf, call, createTestTenant, randomName, startApiHarness, type ApiHarness, type TestTenant } from './support/api-harness.ts';

describe('API error responses', () => {
  let harness: ApiHarness;
  let tenant: TestTenant;

  beforeAll(async () => {
    harness = await startApiHarness();
    tenant = await createTestTenant(harness);
  });

  afterAll(async () => {
    await harness?.close();
  });

  it('names the field path of a validation error', async () => {
    const response = await call(harness, tenant, 'POST', '/api/v1/schemas', {
      name: randomName('bad'),
      fields: [
        { name: 'customer_id', type: 'text', isPrimaryKey: true },
        { name: 'amount', type: 'money' },
      ],
    });

    expect(response.statusCode).toBe(400);
    const error = bodyOf(response).error;
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.details.location).toBe('body');
    expect(error.details.issues).toHaveLength(1);
    expect(error.details.issues[0].path).toBe('fields.1.type');
    expect(error.message).toContain('body.fields.1.type');
  });

  it('rejects an invalid query parameter', async () => {
    const response = await call(harness, tenant, 'GET', '/api/v1/pipelines?limit=501');

    expect(response.statusCode).toBe(400);
    expect(bodyOf(response).error.code).toBe('VALIDATION_FAILED');
    expect(bodyOf(response).error.details.issues[0].path).toBe('limit');
  });

  it('rejects a body over the limit with 413', async () => {
    const limit = harness.context.config.FLOW_API_BODY_LIMIT;
    const payload = JSON.stringify({ name: 'big', description: 'x'.repeat(limit + 1), ir: {} });

    const response = await harness.app.inject({
      method: 'POST',
      url: '/api/v1/pipelines',
      headers: { 'x-api-key': tenant.apiKey, 'content-type': 'application/json' },
      payload,
    });

    expect(response.statusCode).toBe(413);
    expect(bodyOf(response).error.code).toBe('BODY_TOO_LARGE');
    expect(bodyOf(response).error.details).toEqual({ limitBytes: limit });
  });

  it('rejects malformed JSON with 400', async () => {
    const response = await harness.app.inject({
      method: 'POST',
      url: '/api/v1/pipelines',
      headers: { 'x-api-key': tenant.apiKey, 'content-type': 'application/json' },
      payload: '{"name": ',
    });

    expect(response.statusCode).toBe(400);
    expect(bodyOf(response).error.code).toBe('VALIDATION_FAILED');
  });

  it('returns NOT_FOUND for unknown route', async () => {
    const response = await call(harness, tenant, 'GET', '/api/v1/no-such-route');

    expect(response.statusCode).toBe(404);
    expect(bodyOf(response).error.code).toBe('NOT_FOUND');
  });
});
