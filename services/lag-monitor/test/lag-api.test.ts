import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bodyOf, call, createTestTenant, startApiHarness, type ApiHarness, type TestTenant } from '../../api/test/support/api-harness.ts';
import { randomName } from './support/lag-harness.ts';
import { deleteSamples, storeHistory } from './support/sample-fixtures.ts';

describe('lag API routes', () => {
  let harness: ApiHarness;
  let tenant: TestTenant;
  const busy = randomName('flow-api-busy');
  const idle = randomName('flow-api-idle');
  const topic = randomName('api-topic');

  beforeAll(async () => {
    harness = await startApiHarness();
    tenant = await createTestTenant(harness);
    await storeHistory(
      harness.context.pool,
      [
        { groupId: busy, topic, lagAt: (minutesAgo) => 50 - minutesAgo },
        { groupId: idle, topic, lagAt: () => 0 },
      ],
      5,
    );
  });

  afterAll(async () => {
    await deleteSamples(harness.context.pool, [busy, idle]);
    await harness?.close();
  });

  it('lists the newest snapshot of every group', async () => {
    const response = await call(harness, tenant, 'GET', '/api/v1/streams/lag');

    expect(response.statusCode).toBe(200);
    const body = bodyOf(response);
    const busyGroup = body.groups.find((group: { groupId: string }) => group.groupId === busy);
    expect(busyGroup.totalLagMessages).toBe(50);
    expect(busyGroup.status).toBe('WARN');
    expect(busyGroup.partitions[0]).toMatchObject({ topic, partition: 0, committedOffset: 100, endOffset: 150, lagMessages: 50, lagSeconds: 12.5 });
    expect(body.sampledAt).toBe(busyGroup.sampledAt);
  });

  it('returns one group', async () => {
    const response = await call(harness, tenant, 'GET', `/api/v1/streams/lag/${idle}`);

    expect(response.statusCode).toBe(200);
    expect(bodyOf(response).group.groupId).toBe(idle);
    expect(bodyOf(response).group.status).toBe('OK');
    expect(bodyOf(response).group.members[0].assignments).toEqual([{ topic, partitions: [0] }]);
  });

  it('returns 404 for an unknown group', async () => {
    const response = await call(harness, tenant, 'GET', '/api/v1/streams/lag/flow-no-such-group');

    expect(response.statusCode).toBe(404);
    expect(bodyOf(response).error.code).toBe('NOT_FOUND');
    expect(bodyOf(response).error.message).toContain('flow-no-such-group');
  });

  it('returns the history per group', async () => {
    const response = await call(harness, tenant, 'GET', '/api/v1/streams/lag/history?minutes=60');

    expect(response.statusCode).toBe(200);
    const history = bodyOf(response).groups.find((group: { groupId: string }) => group.groupId === busy);
    expect(history.points).toHaveLength(6);
    expect(history.points.map((point: { totalLagMessages: number }) => point.totalLagMessages)).toEqual([45, 46, 47, 48, 49, 50]);
  });

  it('limits the history to the window', async () => {
    const response = await call(harness, tenant, 'GET', '/api/v1/streams/lag/history?minutes=2');

    const history = bodyOf(response).groups.find((group: { groupId: string }) => group.groupId === busy);
    expect(history.points.length).toBeLessThanOrEqual(3);
  });

  it('rejects minutes over 60', async () => {
    const response = await call(harness, tenant, 'GET', '/api/v1/streams/lag/history?minutes=61');

    expect(response.statusCode).toBe(400);
    expect(bodyOf(response).error.code).toBe('VALIDATION_FAILED');
  });

  it('requires an API key', async () => {
    const response = await call(harness, undefined, 'GET', '/api/v1/streams/lag');

    expect(response.statusCode).toBe(401);
  });

  it('serves the dashboard without a key', async () => {
    const page = await harness.app.inject({ method: 'GET', url: '/dashboard' });
    const script = await harness.app.inject({ method: 'GET', url: '/dashboard/dashboard.js' });

    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.body).toContain('lag-chart');
    expect(script.statusCode).toBe(200);
    expect(script.headers['content-type']).toContain('javascript');
  });
});
