import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { checkApiKey, StartupError, type KeyTenant } from './check-api-key.ts';
import { createMcpServer } from './create-mcp-server.ts';
import { FlowApiClient } from './flow-api-client.ts';
import { loadMcpConfig, McpConfigError, type McpConfig } from './mcp-config.ts';
import { createMcpLogger } from './mcp-logger.ts';

// Flow's MCP server on stdio. stdout carries only MCP messages, while logs and the start-up error go to stderr.

/** Reads the configuration and checks the key, or prints one line on stderr and exits with code 1. */
async function prepareOrExit(): Promise<{ config: McpConfig; api: FlowApiClient; tenant: KeyTenant }> {
  try {
    const config = loadMcpConfig();
    const api = new FlowApiClient(config);
    const tenant = await checkApiKey(api, config.KAIREONAI_TENANT_ID);
    return { config, api, tenant };
  } catch (error) {
    if (error instanceof McpConfigError || error instanceof StartupError) {
      process.stderr.write(`flow-mcp: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}

async function main(): Promise<void> {
  const { config, api, tenant } = await prepareOrExit();
  const logger = createMcpLogger(config.FLOW_LOG_LEVEL);
  const server = createMcpServer({ api, logger, tenantName: tenant.tenantName });

  let stopping = false;
  const shutdown = async (reason: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ reason }, 'mcp server stopping');
    await server.close();
    process.exit(0);
  };
  process.stdin.on('end', () => void shutdown('stdin closed'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));

  await server.connect(new StdioServerTransport());
  logger.info({ api_url: api.baseUrl, tenant_id: tenant.tenantId }, 'mcp server started');
}

main().catch((error: unknown) => {
  process.stderr.write(`flow-mcp: failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
