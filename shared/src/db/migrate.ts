import { fileURLToPath } from 'node:url';
import { runner } from 'node-pg-migrate';
import type { Logger } from '../logging/logger.ts';

const migrationsDir = fileURLToPath(new URL('../../migrations', import.meta.url));

/**
 * Applies pending metadata migrations. node-pg-migrate takes an advisory lock, so
 * several services starting at once apply each migration exactly once.
 */
export async function migrate(databaseUrl: string, logger: Logger): Promise<void> {
  const applied = await runner({
    databaseUrl,
    dir: migrationsDir,
    direction: 'up',
    migrationsTable: 'schema_migrations',
    migrationsSchema: 'flow',
    schema: 'flow',
    createSchema: true,
    createMigrationsSchema: true,
    // Migrations touch separate tables and columns, so one written on a branch may land after a
    // higher-numbered one was applied. It then still runs instead of blocking start-up.
    checkOrder: false,
    log: (message: string) => logger.debug({ detail: message }, 'migration runner'),
  });
  if (applied.length > 0) {
    logger.info({ migrations: applied.map((migration) => migration.name) }, 'database migrations applied');
  }
}
