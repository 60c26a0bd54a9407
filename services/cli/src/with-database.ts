import { pino } from 'pino';
import { loadConfig, type FlowConfig } from '@flow/shared/config/env';
import { migrate } from '@flow/shared/db/migrate';
import { createPool, type Pool } from '@flow/shared/db/pool';

/**
 * Applies pending metadata migrations, then runs `work` on a pool that is closed afterwards.
 * Logs go to stderr at warn so that stdout holds only the command's output.
 */
export async function withDatabase<T>(work: (pool: Pool, config: FlowConfig) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const logger = pino({ level: 'warn', base: { process: 'flow-cli' } }, pino.destination(2));
  await migrate(config.DATABASE_URL, logger);

  const pool = createPool(config, logger);
  try {
    return await work(pool, config);
  } finally {
    await pool.end();
  }
}
