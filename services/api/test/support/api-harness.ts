import { randomUUID } from 'node:crypto';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import type { Writable } from 'node:stream';
import { pino } from 'pino';
import { createServiceContext, type ServiceContext } from '@flow/shared/runtime/service-context';
import { createApiKey, createTenant, type Tenant } from '@flow/shared/tenants/tenant-store';
import { buildApiApp } from '../../src/app.ts';

// Static dummy credentials for the moto server. Without them the AWS SDK's default provider
// chain would fall through to the EC2 instance metadata endpoint.
process.env.AWS_ACCESS_KEY_ID = 'test';
process.env.AWS_SECRET_ACCESS_KEY = 'test';
process.env.AWS_EC2_METADATA_DISABLED = 'true';

/** A tenant created for one test, with a working API key. */
export interface TestTenant extends Tenant {
  apiKey: string;
  apiKeyId: string;
}

export interface ApiHarness {
  context: ServiceContext;
  app: FastifyInstance;
  close(): Promise<void>;
}

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

/**
 * Builds the API on a fresh service context against the local stack. With `logStream`, the
 * API logs every line at debug level to that stream, so a test can read what it logged. With
 * `context`, the API shares the context of a runner the test started, and so its Kafka namespace.
 */
export async function startApiHarness(options: { logStream?: Writable; context?: ServiceContext } = {}): Promise<ApiHarness> {
  if (options.context) {
    const app = buildApiApp(options.context);
    await app.ready();
    return { context: options.context, app, close: async () => void (await app.close()) };
  }
  // A Kafka namespace of its own keeps the run requests of these tests away from any other runner.
  const created = await createServiceContext('api-test', {
    ...process.env,
    FLOW_LOG_LEVEL: process.env.FLOW_LOG_LEVEL ?? 'warn',
    FLOW_KAFKA_NAMESPACE: `flowapitest-${randomUUID().slice(0, 8)}`,
    FLOW_TOPIC_PARTITIONS: '3',
  });
  const context = options.logStream ? { ...created, logger: pino({ level: 'debug' }, options.logStream) } : created;
  const app = buildApiApp(context);
  await app.ready();
  return {
    context,
    app,
    close: async () => {
      await app.close();
      const admin = context.kafka.admin();
      await admin.connect();
      await admin.deleteTopics({ topics: Object.values(context.topics) }).catch(() => undefined);
      await admin.disconnect();
      await context.pool.end();
    },
  };
}

/** Returns a random lower-case name with the given prefix, so tests never collide. */
export function randomName(prefix: string): string {
  return `${prefix}_${randomUUID().replaceAll('-', '').slice(0, 10)}`;
}

export async function createTestTenant(harness: ApiHarness): Promise<TestTenant> {
  const tenant = await createTenant(harness.context.pool, randomName('api_test'));
  const key = await createApiKey(harness.context.pool, tenant.id);
  return { ...tenant, apiKey: key.key, apiKeyId: key.id };
}

/** Sends a request with the tenant's API key. */
export function call(
  harness: ApiHarness,
  tenant: TestTenant | undefined,
  method: Method,
  url: string,
  body?: unknown,
): Promise<LightMyRequestResponse> {
  return harness.app.inject({
    method,
    url,
    headers: tenant ? { 'x-api-key': tenant.apiKey } : {},
    ...(body === undefined ? {} : { payload: body as Record<string, unknown> }),
  });
}

/** Parsed JSON body of a response. */
export function bodyOf<T = Record<string, any>>(response: LightMyRequestResponse): T {
  return response.json() as T;
}
