import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import {
  getConnector,
  insertConnector,
  listConnectors,
  loadAnyConnectorWithSecrets,
  markConnectorVerified,
  type Connector,
} from '@flow/shared/connectors/connector-store';
import {
  postgresConnectorInputSchema,
  splitPostgresConnectorInput,
  verifyPostgresConnector,
  type PostgresConnectorSecrets,
  type PostgresConnectorSettings,
} from '@flow/shared/connectors/postgres-connector';
import {
  s3ConnectorInputSchema,
  splitS3ConnectorInput,
  verifyS3Connector,
  type S3ConnectorSecrets,
  type S3ConnectorSettings,
} from '@flow/shared/connectors/s3-connector';
import type { FlowConfig } from '@flow/shared/config/env';
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
    type: z.enum(['s3', 'postgres'], { message: 'type must be "s3" or "postgres"' }),
  })
  .loose();

/** `POST /connectors` body, as documented in the OpenAPI description. */
export const createConnectorBodySchema = z.union([
  z.intersection(z.object({ name: z.string().min(1).max(200), type: z.literal('s3') }), s3ConnectorInputSchema),
  z.object({ name: z.string().min(1).max(200), type: z.literal('postgres'), ...postgresConnectorInputSchema.shape }).strict(),
]);

/** A connector's type with its clear settings and its secrets. */
type ConnectorInput =
  | { type: 's3'; settings: S3ConnectorSettings; secrets: S3ConnectorSecrets }
  | { type: 'postgres'; settings: PostgresConnectorSettings; secrets: PostgresConnectorSecrets };

/** Checks a connector's settings against what it connects to; the error of a failed step names the step. */
async function verifyConnector(config: FlowConfig, input: ConnectorInput): Promise<{ steps: string[] }> {
  if (input.type === 'postgres') return verifyPostgresConnector(input.settings, input.secrets);
  return verifyS3Connector(config, input.settings, input.secrets);
}

/** Parses the type-specific part of a connector body into clear settings and secrets. */
function parseConnectorInput(type: 's3' | 'postgres', rest: unknown): ConnectorInput {
  if (type === 'postgres') return { type, ...splitPostgresConnectorInput(parseInput(postgresConnectorInputSchema, rest, 'body')) };
  return { type, ...splitS3ConnectorInput(parseInput(s3ConnectorInputSchema, rest, 'body')) };
}

/** Pairs a stored connector's settings with its decrypted secrets. */
function storedConnectorInput(connector: Connector, secrets: Record<string, string | undefined>): ConnectorInput {
  if (connector.type === 'postgres') return { type: 'postgres', settings: connector.config, secrets };
  return { type: 's3', settings: connector.config, secrets };
}

/** S3 and PostgreSQL connectors and their verification. Secrets are accepted on create and never returned. */
export function registerConnectorRoutes(app: FastifyInstance, { context }: ApiDependencies): void {
  const { pool, config } = context;

  app.post('/connectors', async (request, reply) => {
    const tenant = requireTenant(request);
    const { name, type, ...rest } = parseInput(connectorEnvelopeSchema, request.body, 'body');
    const input = parseConnectorInput(type, rest);

    // Verify before saving, so a connector that cannot reach its bucket or database is never stored.
    const verification = await verifyConnector(config, input);
    const connector = await insertConnector(pool, config, { tenantId: tenant.id, name, verified: true, ...input });
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
    const { connector, secrets } = await loadAnyConnectorWithSecrets(pool, config, tenant.id, id);

    const verification = await verifyConnector(config, storedConnectorInput(connector, secrets));
    const verified = (await markConnectorVerified(pool, tenant.id, id)) ?? connector;
    return { ok: true, steps: verification.steps, connector: verified };
  });
}
