import type { Command } from 'commander';
import { createApiKey, findTenantByName, revokeApiKey } from '@flow/shared/tenants/tenant-store';
import { apiTargetFromEnvironment, callApi } from '../api-client.ts';
import { printJson, printTable } from '../output.ts';
import { withDatabase } from '../with-database.ts';

interface ApiKeyView {
  id: string;
  name: string;
  keyPrefix: string;
  createdAt: string;
  revokedAt: string | null;
}

/**
 * Registers `flow keys create --tenant <name>` and `flow keys revoke <keyId>`, which use the
 * database directly to bootstrap access, and `flow keys list`, which calls the API.
 */
export function registerKeyCommands(program: Command): void {
  const keys = program.command('keys').description('Manage API keys');

  keys
    .command('create')
    .description('Create an API key for a tenant and print it once')
    .requiredOption('--tenant <name>', 'name of the tenant that owns the key')
    .option('--name <label>', 'label stored with the key, to tell keys apart', 'default')
    .option('--json', 'print { tenantId, apiKeyId, apiKey } as JSON')
    .action(async (options: { tenant: string; name: string; json?: boolean }) => {
      const { tenantId, key } = await withDatabase(async (pool) => {
        const tenant = await findTenantByName(pool, options.tenant);
        if (!tenant) throw new Error(`Tenant "${options.tenant}" was not found. Create it with "flow tenants create ${options.tenant}".`);
        return { tenantId: tenant.id, key: await createApiKey(pool, tenant.id, options.name) };
      });

      if (options.json) {
        process.stdout.write(`${JSON.stringify({ tenantId, apiKeyId: key.id, apiKey: key.key })}\n`);
        return;
      }
      process.stdout.write(`API key ${key.id}: ${key.key}\nStore this key now: it cannot be shown again.\n`);
    });

  keys
    .command('list')
    .description('List the API keys of FLOW_API_KEY\'s tenant: prefixes, names, created and revoked times')
    .option('--json', 'print the API response as JSON')
    .action(async (options: { json?: boolean }) => {
      const result = await callApi<{ apiKeys: ApiKeyView[] }>(apiTargetFromEnvironment(), 'GET', '/api-keys', { query: { limit: 500 } });
      if (options.json) return printJson(result);
      printTable(result.apiKeys, [
        { heading: 'ID', value: (key) => key.id },
        { heading: 'NAME', value: (key) => key.name },
        { heading: 'PREFIX', value: (key) => key.keyPrefix },
        { heading: 'CREATED', value: (key) => key.createdAt },
        { heading: 'REVOKED', value: (key) => key.revokedAt },
      ]);
    });

  keys
    .command('revoke')
    .description('Revoke an API key; requests with it are rejected from then on')
    .argument('<keyId>', 'id of the key, as printed when it was created')
    .action(async (keyId: string) => {
      const revoked = await withDatabase((pool) => revokeApiKey(pool, keyId));
      if (!revoked) throw new Error(`API key "${keyId}" was not found or is already revoked.`);
      process.stdout.write(`Revoked API key ${keyId}.\n`);
    });
}
