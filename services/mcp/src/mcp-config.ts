import { z } from 'zod';

const loopbackHosts = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * Environment of the MCP server. The API key is sent on every request, so a plain-HTTP API
 * URL is accepted only for a loopback host.
 */
const mcpEnvSchema = z.object({
  /** API key of the tenant the assistant acts for (`krn_...`). The server has exactly the key's rights. */
  KAIREONAI_API_KEY: z
    .string({ message: 'is missing: set it to an API key such as the one "flow keys create --tenant <name>" prints' })
    .regex(/^krn_\S+$/, 'must be a Flow API key starting with "krn_"'),
  /** Tenant the key must belong to. The server checks it against the API at start, so a key of another tenant fails early. */
  KAIREONAI_TENANT_ID: z.string({ message: 'is missing: set it to the tenant id (a UUID) the key belongs to' }).uuid('must be a UUID'),
  /** Base URL of the Flow REST API, without /api/v1. Default http://127.0.0.1:8080. */
  FLOW_API_URL: z
    .string()
    .default('http://127.0.0.1:8080')
    .transform((value) => value.replace(/\/+$/, ''))
    .pipe(
      z
        .url({ protocol: /^https?$/, message: 'must be an http or https URL such as http://127.0.0.1:8080' })
        .refine((value) => new URL(value).protocol === 'https:' || loopbackHosts.has(new URL(value).hostname), {
          message: 'must use https unless the host is 127.0.0.1, localhost or [::1], because the API key travels in a header',
        }),
    ),
  /** Time limit of one API request, in milliseconds. Default 30000. */
  FLOW_MCP_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(30_000),
  /** pino level of the logs written to stderr. Default info. */
  FLOW_LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
});

export type McpConfig = Readonly<z.output<typeof mcpEnvSchema>>;

/** Error raised when the environment is invalid; the message lists every problem with its variable. */
export class McpConfigError extends Error {
  constructor(issues: readonly string[]) {
    super(`invalid environment: ${issues.join('; ')}`);
    this.name = 'McpConfigError';
  }
}

/** Parses the environment once, filling defaults, and returns a frozen configuration. */
export function loadMcpConfig(env: NodeJS.ProcessEnv = process.env): McpConfig {
  const result = mcpEnvSchema.safeParse(env);
  if (!result.success) {
    throw new McpConfigError(result.error.issues.map((issue) => `${issue.path.join('.')} ${issue.message}`));
  }
  return Object.freeze(result.data);
}
