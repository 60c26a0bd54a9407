import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { ServiceContext } from '@flow/shared/runtime/service-context';
import type { ApiDependencies } from './api-dependencies.ts';
import { createAuthenticationHook } from './http/authenticate.ts';
import { installErrorHandlers } from './http/error-handler.ts';
import { installHttpMetrics } from './http/http-metrics.ts';
import { registerApiKeyRoutes } from './routes/api-keys.ts';
import { registerConnectorRoutes } from './routes/connectors.ts';
import { registerDashboardRoutes } from './routes/dashboard.ts';
import { registerHealthRoutes, registerSystemHealthRoute } from './routes/health.ts';
import { registerOpenApiRoute } from './routes/openapi.ts';
import { registerLineageRoutes } from './routes/lineage.ts';
import { registerPipelineRoutes } from './routes/pipelines.ts';
import { registerRunStreamRoute } from './routes/run-stream.ts';
import { registerRunRoutes } from './routes/runs.ts';
import { registerSchemaRoutes } from './routes/schemas.ts';
import { registerStreamLagRoutes } from './routes/streams-lag.ts';
import { registerWhoamiRoute } from './routes/whoami.ts';

export const API_PREFIX = '/api/v1';

/**
 * Builds the REST API on a service context without listening. The Kafka producer that
 * publishes run requests connects when the app becomes ready (`ready()`, `listen()` or the
 * first `inject()`) and disconnects on `close()`.
 */
export function buildApiApp(context: ServiceContext): FastifyInstance {
  const logger: FastifyBaseLogger = context.logger.child({ service: 'api' });
  const app = Fastify({
    loggerInstance: logger,
    bodyLimit: context.config.FLOW_API_BODY_LIMIT,
    // Fastify's per-request info lines are replaced by the debug line in the onResponse hook below.
    logController: new LogController({ disableRequestLogging: true }),
  });
  const producer = context.kafka.producer({ allowAutoTopicCreation: false });
  const dependencies: ApiDependencies = { context, producer };

  app.addHook('onReady', async () => {
    await producer.connect();
  });
  app.addHook('onClose', async () => {
    await producer.disconnect();
  });

  app.decorateRequest('tenant', null);
  installErrorHandlers(app, context.config.FLOW_API_BODY_LIMIT);
  installHttpMetrics(app, context.metrics);
  app.addHook('onResponse', async (request, reply) => {
    request.log.debug(
      { method: request.method, url: request.url, status: reply.statusCode, duration_ms: Math.round(reply.elapsedTime) },
      'request completed',
    );
  });

  // Unauthenticated: liveness, metrics and the API description.
  registerHealthRoutes(app, dependencies);
  registerOpenApiRoute(app, API_PREFIX);
  registerDashboardRoutes(app);

  // Everything else under /api/v1 needs an API key and is scoped to the key's tenant.
  void app.register(
    async (scope) => {
      scope.addHook('onRequest', createAuthenticationHook(context.pool));
      registerConnectorRoutes(scope, dependencies);
      registerSchemaRoutes(scope, dependencies);
      registerPipelineRoutes(scope, dependencies);
      registerRunRoutes(scope, dependencies);
      registerRunStreamRoute(scope, dependencies);
      registerApiKeyRoutes(scope, dependencies);
      registerLineageRoutes(scope, dependencies);
      registerSystemHealthRoute(scope, dependencies);
      registerStreamLagRoutes(scope, dependencies);
      registerWhoamiRoute(scope);
    },
    { prefix: API_PREFIX },
  );

  return app;
}
