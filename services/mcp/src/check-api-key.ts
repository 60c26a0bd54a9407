import { whoamiResponseSchema } from './api-schemas.ts';
import { FlowApiError, type FlowApiClient } from './flow-api-client.ts';

/** The tenant the configured API key belongs to. */
export interface KeyTenant {
  tenantId: string;
  tenantName: string;
}

/** Error that stops the server at start: the message is the one line printed on stderr. */
export class StartupError extends Error {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options);
    this.name = 'StartupError';
  }
}

/**
 * Checks the API key against the API and that it belongs to `expectedTenantId`. Throws
 * StartupError when the API is unreachable, rejects the key, or names another tenant.
 */
export async function checkApiKey(api: FlowApiClient, expectedTenantId: string): Promise<KeyTenant> {
  let tenant: KeyTenant;
  try {
    tenant = whoamiResponseSchema.parse(await api.get('/whoami'));
  } catch (error) {
    if (!(error instanceof FlowApiError)) {
      throw new StartupError(`GET ${api.baseUrl}/whoami returned an unexpected body: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
    if (error.status === 0) throw new StartupError(error.message, { cause: error });
    if (error.status === 401) {
      throw new StartupError(`The Flow API at ${api.baseUrl} rejected KAIREONAI_API_KEY: ${error.code}: ${error.message}`, { cause: error });
    }
    if (error.status === 404) {
      throw new StartupError(`The Flow API at ${api.baseUrl} has no /whoami route, so the key's tenant cannot be checked. Upgrade the API.`, { cause: error });
    }
    throw new StartupError(`Checking KAIREONAI_API_KEY failed: ${error.code}: ${error.message}`, { cause: error });
  }

  if (tenant.tenantId !== expectedTenantId) {
    throw new StartupError(
      `KAIREONAI_API_KEY belongs to tenant ${tenant.tenantId} ("${tenant.tenantName}"), not to KAIREONAI_TENANT_ID ${expectedTenantId}. ` +
        'Set both to the same tenant.',
    );
  }
  return tenant;
}
