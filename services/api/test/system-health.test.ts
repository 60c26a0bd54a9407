import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { raiseAlert } from '@flow/shared/alerts/alert-store';
import { bodyOf, call, createTestTenant, startApiHarness, type ApiHarness, type TestTenant } from './support/api-harness.ts';

describe('system health', () => {
  let harness: ApiHarness;
  let tenant: TestTenant;
  let other: TestTenant;

  beforeAll(async () => {
    harness = await startApiHarness();
    tenant = await createTestTenant(harness);
    other = await createTestTenant(harness);
  });

  afterAll(async () => {
    await harness?.close();
  });

  it('reports PostgreSQL and Kafka up', async () => {
    const response = await call(harness, tenant, 'GET', '/api/v1/system-health');

    expect(response.statusCode).toBe(200);
    const body = bodyOf(response);
    expect(body.status).toBe('ok');
    expect(body.components.postgres.status).toBe('up');
    expect(body.components.kafka.status).toBe('up');
    expect(body.components.s3.status).toBe('up');
    expect(Array.isArray(body.alerts)).toBe(true);
  });

  it("returns the tenant's alerts and not another tenant's", async () => {
    await raiseAlert(harness.context.pool, { tenantId: tenant.id, severity: 'warning', source: 'runner', message: 'Pipeline source had no files' });
    await raiseAlert(harness.context.pool, { tenantId: other.id, severity: 'error', source: 'runner', message: 'other tenant alert' });

    const response = await call(harness, tenant, 'GET', '/api/v1/system-health?alerts=500');

    const messages = bodyOf(response).alerts.map((alert: { message: string }) => alert.message);
    expect(messages).toContain('Pipeline source had no files');
    expect(messages).not.toContain('other tenant alert');
    const own = bodyOf(response).alerts.find((alert: { tenantId: string }) => alert.tenantId === tenant.id);
    expect(own.severity).toBe('warning');
  });
});
