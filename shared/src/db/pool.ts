import pg from 'pg';
import type { FlowConfig } from '../config/env.ts';
import type { Logger } from '../logging/logger.ts';

// Return int8 (bigint) and numeric as strings: JavaScript numbers lose precision past 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, (value: string) => value);
pg.types.setTypeParser(pg.types.builtins.NUMERIC, (value: string) => value);
// Keep date columns as 'YYYY-MM-DD' instead of a Date at local midnight.
pg.types.setTypeParser(pg.types.builtins.DATE, (value: string) => value);

export type Pool = pg.Pool;
export type PoolClient = pg.PoolClient;

export function createPool(config: Pick<FlowConfig, 'DATABASE_URL' | 'FLOW_DB_POOL_SIZE'>, logger: Logger): pg.Pool {
  // A request waiting longer than 30 s for a client fails instead of hanging the process.
  const pool = new pg.Pool({ connectionString: config.DATABASE_URL, max: config.FLOW_DB_POOL_SIZE, connectionTimeoutMillis: 30_000 });
  pool.on('error', (error) => logger.error({ err: error }, 'idle database client failed'));
  return pool;
}

/** Runs `work` in one transaction on a dedicated client; rolls back when it throws. */
export async function inTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    // A failed ROLLBACK must not hide the error that caused it.
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
