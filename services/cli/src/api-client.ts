import { UsageError } from './usage-error.ts';

/** Address used when FLOW_API_URL is unset. */
export const DEFAULT_API_URL = 'http://127.0.0.1:8080';

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'DELETE';

/** A request the API rejected, with the error code and status it returned. */
export class ApiRequestError extends Error {
  readonly code: string;
  readonly status: number;
  readonly details: unknown;

  constructor(message: string, code: string, status: number, details: unknown) {
    super(message);
    this.name = 'ApiRequestError';
    this.code = code;
    this.status = status;
    this.details = details;
  }
}

/** The API address and key the CLI talks to, from FLOW_API_URL and FLOW_API_KEY. */
export interface ApiTarget {
  baseUrl: string;
  apiKey: string;
}

/** Reads the API address and key from the environment; a missing key is a usage error. */
export function apiTargetFromEnvironment(env: NodeJS.ProcessEnv = process.env): ApiTarget {
  const apiKey = env.FLOW_API_KEY;
  if (!apiKey) throw new UsageError('FLOW_API_KEY is not set. Create a key with "flow keys create --tenant <name>" and export it.');
  return { baseUrl: env.FLOW_API_URL || DEFAULT_API_URL, apiKey };
}

/** Builds the URL of an /api/v1 path with its query parameters. */
export function apiUrl(target: ApiTarget, path: string, query: Record<string, string | number | undefined> = {}): URL {
  const url = new URL(`/api/v1${path}`, target.baseUrl);
  for (const [name, value] of Object.entries(query)) if (value !== undefined) url.searchParams.set(name, String(value));
  return url;
}

/** Sends one request to the API and returns its JSON body; a non-2xx response throws ApiRequestError. */
export async function callApi<T = Record<string, unknown>>(
  target: ApiTarget,
  method: HttpMethod,
  path: string,
  options: { body?: unknown; query?: Record<string, string | number | undefined> } = {},
): Promise<T> {
  const url = apiUrl(target, path, options.query);
  const headers: Record<string, string> = { 'x-api-key': target.apiKey };
  if (options.body !== undefined) headers['content-type'] = 'application/json';

  let response: Response;
  try {
    response = await fetch(url, { method, headers, body: options.body === undefined ? undefined : JSON.stringify(options.body) });
  } catch (error) {
    throw new Error(`Cannot reach the Flow API at ${url.origin} (${(error as Error).message}). Set FLOW_API_URL to its address.`, { cause: error });
  }

  const body: unknown = await response.json().catch(() => undefined);
  if (!response.ok) {
    const error = (body as { error?: { code?: string; message?: string; details?: unknown } } | undefined)?.error;
    throw new ApiRequestError(
      `${method} ${url.pathname} failed with ${response.status} ${error?.code ?? ''}: ${error?.message ?? 'no error body'}`,
      error?.code ?? 'HTTP_ERROR',
      response.status,
      error?.details,
    );
  }
  return body as T;
}
