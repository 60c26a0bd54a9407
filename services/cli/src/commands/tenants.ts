import type { Command } from 'commander';
import { createApiKey, createTenant } from '@flow/shared/tenants/tenant-store';
import { withDatabase } from '../with-database.ts';

/** Registers `flow tenants create <name>`, which creates a tenant, its PostgreSQL schema and a first API key. */
export function registerTenantCommands(program: Command): void {
  const tenants = program.command('tenants').description('Manage tenants');

  tenants
    .command('create')
    .description('Create a tenant with its own PostgreSQL schema and print a new API key')
    .argument('<name>', 'tenant name: letters, digits, spaces, dots, dashes or underscores')
    .option('--json', 'print { tenantId, schemaName, apiKeyId, apiKey } as JSON')
    .action(async (name: string, options: { json?: boolean }) => {
      const { tenant, key } = await withDatabase(async (pool) => {
        const tenant = await createTenant(pool, name);
        const key = await createApiKey(pool, tenant.id);
        return { tenant, key };
      });

      if (options.json) {
        const output = { tenantId: tenant.id, schemaName: tenant.schemaName, apiKeyId: key.id, apiKey: key.key };
        process.stdout.write(`${JSON.stringify(output)}\n`);
        return;
      }
      process.stdout.write(
        [
          `Created tenant "${tenant.name}" (id ${tenant.id}, schema ${tenant.schemaName}).`,
          `API key ${key.id}: ${key.key}`,
          'Store this key now: it cannot be shown again.',
          '',
        ].join('\n'),
      );
    });
}
