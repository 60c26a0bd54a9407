import type { FlowConfig } from '../config/env.ts';
import { decryptSecret, encryptSecret } from '../crypto/secret-box.ts';
import { isUuid } from '../db/is-uuid.ts';
import type { Pool } from '../db/pool.ts';
import { flowError, notFound } from '../errors/catalog.ts';
import type { PostgresConnectorSecrets, PostgresConnectorSettings } from './postgres-connector.ts';
import type { S3ConnectorSecrets, S3ConnectorSettings } from './s3-connector.ts';

interface ConnectorBase {
  id: string;
  tenantId: string;
  name: string;
  verifiedAt: string | null;
  createdAt: string;
}

export type S3Connector = ConnectorBase & { type: 's3'; config: S3ConnectorSettings };
export type PostgresConnector = ConnectorBase & { type: 'postgres'; config: PostgresConnectorSettings };

/** A connector as the API returns it: settings only, never secrets. */
export type Connector = S3Connector | PostgresConnector;

/** Input of `insertConnector`: clear settings and the secrets it encrypts, by connector type. */
export type NewConnector = { tenantId: string; name: string; verified: boolean } & (
  | { type: 's3'; settings: S3ConnectorSettings; secrets: S3ConnectorSecrets }
  | { type: 'postgres'; settings: PostgresConnectorSettings; secrets: PostgresConnectorSecrets }
);

const selectConnector = `SELECT id, tenant_id AS "tenantId", name, type, config, verified_at AS "verifiedAt", created_at AS "createdAt"
  FROM flow.connectors`;

export async function insertConnector(
  pool: Pool,
  config: Pick<FlowConfig, 'FLOW_SECRET_KEY'>,
  connector: NewConnector,
): Promise<Connector> {
  const sealed = Object.keys(connector.secrets).length > 0 ? encryptSecret(connector.secrets, config.FLOW_SECRET_KEY) : null;
  const result = await pool.query<Connector>(
    `INSERT INTO flow.connectors (tenant_id, name, type, config, secret_ciphertext, verified_at)
     VALUES ($1, $2, $3, $4, $5, CASE WHEN $6 THEN now() END)
     ON CONFLICT (tenant_id, name) DO NOTHING
     RETURNING id, tenant_id AS "tenantId", name, type, config, verified_at AS "verifiedAt", created_at AS "createdAt"`,
    [connector.tenantId, connector.name, connector.type, JSON.stringify(connector.settings), sealed, connector.verified],
  );
  if (!result.rows[0]) throw flowError('CONFLICT', `Connector "${connector.name}" already exists.`, { details: { field: 'name' } });
  return result.rows[0];
}

export async function getConnector(pool: Pool, tenantId: string, id: string): Promise<Connector | undefined> {
  if (!isUuid(id)) return undefined;
  const result = await pool.query<Connector>(`${selectConnector} WHERE tenant_id = $1 AND id = $2`, [tenantId, id]);
  return result.rows[0];
}

/** Lists the connectors of a tenant, oldest first. Without `page` it returns them all. */
export async function listConnectors(pool: Pool, tenantId: string, page?: { limit: number; offset: number }): Promise<Connector[]> {
  const result = await pool.query<Connector>(`${selectConnector} WHERE tenant_id = $1 ORDER BY created_at, id LIMIT $2 OFFSET $3`, [
    tenantId,
    page?.limit ?? null,
    page?.offset ?? 0,
  ]);
  return result.rows;
}

/** Sets a connector's verified_at to now and returns the updated connector. */
export async function markConnectorVerified(pool: Pool, tenantId: string, id: string): Promise<Connector | undefined> {
  if (!isUuid(id)) return undefined;
  const result = await pool.query<Connector>(
    `UPDATE flow.connectors SET verified_at = now(), updated_at = now() WHERE tenant_id = $1 AND id = $2
     RETURNING id, tenant_id AS "tenantId", name, type, config, verified_at AS "verifiedAt", created_at AS "createdAt"`,
    [tenantId, id],
  );
  return result.rows[0];
}

/** Loads a connector with its decrypted secrets, whatever its type. Throws NOT_FOUND for another tenant's id. */
export async function loadAnyConnectorWithSecrets(
  pool: Pool,
  config: Pick<FlowConfig, 'FLOW_SECRET_KEY'>,
  tenantId: string,
  id: string,
): Promise<{ connector: Connector; secrets: Record<string, string | undefined> }> {
  if (!isUuid(id)) throw notFound('Connector', id);
  const result = await pool.query<Connector & { secretCiphertext: string | null }>(
    `SELECT id, tenant_id AS "tenantId", name, type, config, verified_at AS "verifiedAt", created_at AS "createdAt",
            secret_ciphertext AS "secretCiphertext"
       FROM flow.connectors WHERE tenant_id = $1 AND id = $2`,
    [tenantId, id],
  );
  const row = result.rows[0];
  if (!row) throw notFound('Connector', id);
  const { secretCiphertext, ...connector } = row;
  const secrets = secretCiphertext ? decryptSecret<Record<string, string | undefined>>(secretCiphertext, config.FLOW_SECRET_KEY) : {};
  return { connector: connector as Connector, secrets };
}

/** Loads an S3 connector with its decrypted secrets, for the services that read its bucket. */
export async function loadConnectorWithSecrets(
  pool: Pool,
  config: Pick<FlowConfig, 'FLOW_SECRET_KEY'>,
  tenantId: string,
  id: string,
): Promise<{ connector: S3Connector; secrets: S3ConnectorSecrets }> {
  const { connector, secrets } = await loadAnyConnectorWithSecrets(pool, config, tenantId, id);
  if (connector.type !== 's3') {
    throw flowError('CONFLICT', `Connector "${connector.name}" (${id}) is a ${connector.type} connector; an S3 source needs an s3 connector.`, {
      details: { connectorId: id, type: connector.type },
    });
  }
  return { connector, secrets };
}
