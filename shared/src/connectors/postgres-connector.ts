import pg from 'pg';
import { z } from 'zod';
import { flowError } from '../errors/catalog.ts';

/** Body of a PostgreSQL connector (a CDC source database) as the API accepts it. */
export const postgresConnectorInputSchema = z
  .object({
    host: z.string().min(1).max(255),
    /** TCP port. Default 5432. */
    port: z.number().int().min(1).max(65535).default(5432),
    database: z.string().min(1).max(63),
    user: z.string().min(1).max(63),
    /** Stored encrypted; never returned by the API. */
    password: z.string().min(1).max(1024),
    /** libpq sslmode. Default prefer. `disable` sends the password in clear over the network. */
    sslmode: z.enum(['disable', 'prefer', 'require', 'verify-ca', 'verify-full']).default('prefer'),
  })
  .strict();
export type PostgresConnectorInput = z.infer<typeof postgresConnectorInputSchema>;

/** Settings stored in clear; the API may return them. */
export interface PostgresConnectorSettings {
  host: string;
  port: number;
  database: string;
  user: string;
  sslmode: PostgresConnectorInput['sslmode'];
}

/** Settings stored encrypted; never returned by the API nor logged. */
export interface PostgresConnectorSecrets {
  password?: string;
}

export function splitPostgresConnectorInput(input: PostgresConnectorInput): {
  settings: PostgresConnectorSettings;
  secrets: PostgresConnectorSecrets;
} {
  const { password, ...settings } = input;
  return { settings, secrets: { password } };
}

export type PostgresVerificationStep = 'connect' | 'wal_level' | 'replication';

/** Time the connect step may take, in milliseconds. */
const CONNECT_TIMEOUT_MS = 5_000;

function stepFailed(step: PostgresVerificationStep, settings: PostgresConnectorSettings, reason: string, cause?: unknown) {
  const advice: Record<PostgresVerificationStep, string> = {
    connect: `Check host, port, database, user, password and sslmode, and that ${settings.host}:${settings.port} accepts connections from Flow.`,
    wal_level: 'Set wal_level = logical in postgresql.conf and restart the server.',
    replication: `Grant it with ALTER ROLE ${settings.user} WITH REPLICATION.`,
  };
  return flowError('CONNECTOR_VERIFICATION_FAILED', `Connector verification failed at step ${step}: ${reason}. ${advice[step]}`, {
    details: { step, host: settings.host, port: settings.port, database: settings.database },
    cause,
  });
}

/** Maps libpq's sslmode to node-postgres's `ssl` option. */
function sslOption(sslmode: PostgresConnectorSettings['sslmode']): pg.ClientConfig['ssl'] {
  switch (sslmode) {
    case 'disable':
      return false;
    case 'prefer':
      // NOTE: node-postgres cannot fall back to plain TCP the way libpq does, so "prefer" connects without TLS.
      return false;
    case 'require':
      return { rejectUnauthorized: false };
    case 'verify-ca':
    case 'verify-full':
      return { rejectUnauthorized: true };
  }
}

/**
 * Verifies a PostgreSQL connector in three steps: connect, check `wal_level = logical`, and
 * check that the user may replicate (REPLICATION or superuser). The error of a failed step
 * names the step.
 */
export async function verifyPostgresConnector(
  settings: PostgresConnectorSettings,
  secrets: PostgresConnectorSecrets,
): Promise<{ steps: PostgresVerificationStep[] }> {
  const client = new pg.Client({
    host: settings.host,
    port: settings.port,
    database: settings.database,
    user: settings.user,
    password: secrets.password,
    ssl: sslOption(settings.sslmode),
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    application_name: 'flow-connector-check',
  });
  // A server that drops the connection later emits 'error'; without a listener it would crash the process.
  client.on('error', () => undefined);

  const steps: PostgresVerificationStep[] = [];
  try {
    await client.connect();
  } catch (error) {
    throw stepFailed('connect', settings, error instanceof Error ? error.message : String(error), error);
  }
  steps.push('connect');

  try {
    const wal = await client.query<{ wal_level: string }>('SHOW wal_level');
    const level = wal.rows[0]?.wal_level ?? 'unknown';
    if (level !== 'logical') throw stepFailed('wal_level', settings, `wal_level is "${level}", expected "logical"`);
    steps.push('wal_level');

    const role = await client.query<{ can_replicate: boolean }>(
      'SELECT rolreplication OR rolsuper AS can_replicate FROM pg_roles WHERE rolname = current_user',
    );
    if (role.rows[0]?.can_replicate !== true) {
      throw stepFailed('replication', settings, `user "${settings.user}" has neither the REPLICATION attribute nor superuser`);
    }
    steps.push('replication');
    return { steps };
  } finally {
    await client.end().catch(() => undefined);
  }
}
