import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { revokeApiKey } from '@flow/shared/tenants/tenant-store';
import { bodyOf, call, createTestTenant, startApiHarness, type ApiHarness, type TestTenant } from './support/api-harness.ts';

describe('API key authentication', () => {
  let harness: ApiHarness;
  let tenant: TestTenant;

  beforeAll(async () => {
    harness = await startApiHarness();
    tenant = await createTestTenant(harness);
  });

  afterAll(async () => {
    await harness?.close();
  });

  it('rejects a request without a key', async () => {
    const response = await call(harness, undefined, 'GET', '/api/v1/pipelines');

    expect(response.statusCode).toBe(401);
    expect(bodyOf(response).error.code).toBe('AUTH_MISSING_KEY');
    expect(bodyOf(response).error.details).toBeNull();
  });

  it('rejects an unknown key', async () => {
    const response = await harness.app.inject({
      method: 'GET',
      url: '/api/v1/pipelines',
      headers: { 'x-api-key': 'krn_this-key-does-not-exist' },
    });

    expect(response.statusCode).toBe(401);
    expect(bodyOf(response).error.code).toBe('AUTH_INVALID_KEY');
  });

  it('rejects a key without the krn_ prefix', async () => {
    const response = await harness.app.inject({ method: 'GET', url: '/api/v1/schemas', headers: { 'x-api-key': 'not-a-flow-key' } });

    expect(response.statusCode).toBe(401);
    expect(bodyOf(response).error.code).toBe('AUTH_INVALID_KEY');
  });

  it('rejects a revoked key', async () => {
    const revocable = await createTestTenant(harness);
    const before = await call(harness, revocable, 'GET', '/api/v1/pipelines');
    expect(before.statusCode).toBe(200);

    const revoked = await revokeApiKey(harness.context.pool, revocable.apiKeyId);
    expect(revoked).toEqual({ tenantId: revocable.id });

    const after = await call(harness, revocable, 'GET', '/api/v1/pipelines');
    expect(after.statusCode).toBe(401);
    expect(bodyOf(after).error.code).toBe('AUTH_INVALID_KEY');
  });

  it('accepts a valid key', async () => {
    const response = await call(harness, tenant, 'GET', '/api/v1/pipelines');

    expect(response.statusCode).toBe(200);
    expect(bodyOf(response)).toEqual({ pipelines: [], limit: 50, offset: 0 });
  });

  it('serves openapi.json, healthz and metrics without a key', async () => {
    const openapi = await harness.app.inject({ method: 'GET', url: '/api/v1/openapi.json' });
    expect(openapi.statusCode).toBe(200);
    expect(bodyOf(openapi).openapi).toBe('3.1.0');
    expect(Object.keys(bodyOf(openapi).paths)).toContain('/api/v1/pipelines/{id}/run');

    const healthz = await harness.app.inject({ method: 'GET', url: '/healthz' });
    expect(healthz.statusCode).toBe(200);
    expect(bodyOf(healthz)).toEqual({ status: 'ok' });

    const metrics = await harness.app.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.statusCode).toBe(200);
    expect(metrics.body).toContain('flow_api_http_requests_total{method="GET",route="/api/v1/pipelines",status="200"}');
    expect(metrics.body).toContain('flow_api_http_request_duration_seconds_bucket');
  });
});
