import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { getConnector, insertConnector, listConnectors, loadConnectorWithSecrets, markConnectorVerified } from '@flow/shared/connectors/connector-store';
import { s3ConnectorInputSchema, splitS3ConnectorInput, verifyS3Connector } from '@flow/shared/connectors/s3-connector';
import { notFound } from '@flow/shared/errors/catalog';
import type { ApiDependencies } from '../api-dependencies.ts';
import { requireTenant } from '../http/authenticate.ts';
import { idParamsSchema } from '../http/id-params.ts';
import { paginationQuerySchema } from '../http/pagination.ts';
import { parseInput } from '../http/parse-input.ts';

/** Fields every connector body has; the rest depends on `type` and `authMethod`. */
export const connectorEnvelopeSchema = z
  .object({
    name: z.string().min(1).max(200),
    type: z.literal('s3', { message: 'type must be "s3", the only connector type the API creates' }),
  })
  .loose();

/** `POST /connectors` body, as documented in the OpenAPI description. */
export const createConnectorBodySchema = z.intersection(
  z.object({ name: z.string().min(1).max(200), type: z.literal('s3') }),
  s3ConnectorInputSchema,
);

/** Connector CRUD and verification. Secrets are accepted on create and never returned. */
export function registerConnectorRoutes(app: FastifyInstance, { context }: ApiDependencies): void {
  const { pool, config } = context;

  app.post('/connectors', async (request, reply) => {
    const tenant = requireTenant(request);
    const { name, type, ...rest } = parseInput(connectorEnvelopeSchema, request.body, 'body');
    const input = parseInput(s3ConnectorInputSchema, rest, 'body');
    const { settings, secrets } = splitS3ConnectorInput(input);

    // Verify before saving, so a connector that cannot read its bucket is never stored.
    const verification = await verifyS3Connector(config, settings, secrets);
    const connector = await insertConnector(pool, config, { tenantId: tenant.id, name, type, settings, secrets, verified: true });
    request.log.info({ connector_id: connector.id, steps: verification.steps }, 'connector created');
    return reply.status(201).send({ connector });
  });

  app.get('/connectors', async (request) => {
    const tenant = requireTenant(request);
    const page = parseInput(paginationQuerySchema, request.query, 'query');
    const connectors = await listConnectors(pool, tenant.id, page);
    return { connectors, limit: page.limit, offset: page.offset };
  });

  app.get('/connectors/:id', async (request) => {
    const tenant = requireTenant(request);
    const { id } = parseInput(idParamsSchema, request.params, 'params');
    const connector = await getConnector(pool, tenant.id, id);
    if (!connector) throw notFound('Connector', id);
    return { connector };
  });

  app.post('/connectors/:id/test', async (request) => {
    const tenant = requireTenant(request);
    const { id } = parseInput(idParamsSchema, request.params, 'params');
    const { connector, secrets } = await loadConnectorWithSecrets(pool, config, tenant.id, id);

    const verification = await verifyS3Connector(config, connector.config, secrets);
    const verified = (await markConnectorVerified(pool, tenant.id, id)) ?? connector;
    return { ok: true, steps: verification.steps, connector: verified };
  });
}
