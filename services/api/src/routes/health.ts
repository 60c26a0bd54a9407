import type { FastifyInstance } from 'fastify';
import { listRecentAlerts } from '@flow/shared/alerts/alert-store';
import type { ApiDependencies } from '../api-dependencies.ts';
import { createS3Client } from '@flow/shared/aws/clients';
import { checkKafka, checkPostgres, checkS3 } from '../health/check-components.ts';
import { requireTenant } from '../http/authenticate.ts';
import { parseInput } from '../http/parse-input.ts';
import { z } from 'zod';

const systemHealthQuerySchema = z
  .object({
    /** Alerts to return, newest first, 1 to 500. Default 50. */
    alerts: z.coerce.number().int().min(1).max(500).default(50),
  })
  .strict();

/** Unauthenticated liveness (`/healthz`) and Prometheus metrics (`/metrics`). */
export function registerHealthRoutes(app: FastifyInstance, { context }: ApiDependencies): void {
  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/metrics', async (_request, reply) => {
    const text = await context.metrics.metrics();
    return reply.type(context.metrics.contentType).send(text);
  });
}

/** `GET /system-health`: PostgreSQL, Kafka and S3 status and the tenant's recent alerts. */
export function registerSystemHealthRoute(app: FastifyInstance, { context }: ApiDependencies): void {
  const s3 = createS3Client(context.config);
  app.addHook('onClose', async () => s3.destroy());
  app.get('/system-health', async (request) => {
    const tenant = requireTenant(request);
    const query = parseInput(systemHealthQuerySchema, request.query, 'query');

    const [postgres, kafka, s3Status] = await Promise.all([checkPostgres(context.pool), checkKafka(context.kafka), checkS3(s3)]);
    for (const [component, result] of Object.entries({ postgres, kafka, s3: s3Status })) {
      if (result.status === 'down') request.log.warn({ component, reason: result.error }, 'health check failed');
    }
    const alerts = postgres.status === 'up' ? await listRecentAlerts(context.pool, tenant.id, query.alerts) : [];
    const status = postgres.status === 'up' && kafka.status === 'up' && s3Status.status === 'up' ? 'ok' : 'degraded';
    return { status, components: { postgres, kafka, s3: s3Status }, alerts };
  });
}
