import type { McpConfig } from './mcp-config.ts';

/** Error body of every Flow API error response. */
interface ApiErrorBody {
  error: { code: string; message: string; details: unknown };
}

/**
 * A failed Flow API request: the API's own error code and message, or API_UNREACHABLE /
 * API_TIMEOUT / API_INVALID_RESPONSE when no usable response arrived.
 */
export class FlowApiError extends Error {
  readonly code: string;
  /** HTTP status, or 0 when no response arrived. */
  readonly status: number;
  readonly details: unknown;
  readonly method: string;
  readonly path: string;

  constructor(code: string, message: string, options: { status: number; details?: unknown; method: string; path: string; cause?: unknown }) {
    super(message, { cause: options.cause });
    this.name = 'FlowApiError';
    this.code = code;
    this.status = options.status;
    this.details = options.details ?? null;
    this.method = options.method;
    this.path = options.path;
  }
}

function isApiErrorBody(value: unknown): value is ApiErrorBody {
  if (typeof value !== 'object' || value === null || !('error' in value)) return false;
  const error: unknown = value.error;
  return typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string' && 'message' in error;
}

/** HTTP client of the Flow REST API under /api/v1, authenticated with one API key. */
export class FlowApiClient {
  readonly baseUrl: string;
  readonly #apiKey: string;
  readonly #timeoutMs: number;

  constructor(config: Pick<McpConfig, 'FLOW_API_URL' | 'KAIREONAI_API_KEY' | 'FLOW_MCP_REQUEST_TIMEOUT_MS'>) {
    this.baseUrl = `${config.FLOW_API_URL}/api/v1`;
    this.#apiKey = config.KAIREONAI_API_KEY;
    this.#timeoutMs = config.FLOW_MCP_REQUEST_TIMEOUT_MS;
  }

  get<T>(path: string, query: Record<string, string | number | undefined> = {}): Promise<T> {
    const params = new URLSearchParams();
    for (const [name, value] of Object.entries(query)) {
      if (value !== undefined) params.set(name, String(value));
    }
    const search = params.size > 0 ? `?${params.toString()}` : '';
    return this.request<T>('GET', `${path}${search}`);
  }

  post<T>(path: string, body?: unknown): Promise<T> {
    return this.request<T>('POST', path, body);
  }

  /** Sends one request and returns the parsed JSON body of a 2xx response. Throws FlowApiError otherwise. */
  async request<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { 'x-api-key': this.#apiKey, accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';

    let response: Response;
    try {
      response = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
    } catch (error) {
      throw this.#transportError(method, path, error);
    }

    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text === '' ? null : JSON.parse(text);
    } catch (error) {
      throw new FlowApiError('API_INVALID_RESPONSE', `${method} ${path} returned HTTP ${response.status} with a body that is not JSON.`, {
        status: response.status,
        method,
        path,
        cause: error,
      });
    }

    if (response.ok) return parsed as T;
    if (isApiErrorBody(parsed)) {
      const { code, message, details } = parsed.error;
      throw new FlowApiError(code, message, { status: response.status, details, method, path });
    }
    throw new FlowApiError('API_INVALID_RESPONSE', `${method} ${path} returned HTTP ${response.status} without a Flow error body.`, {
      status: response.status,
      method,
      path,
    });
  }

  #transportError(method: string, path: string, error: unknown): FlowApiError {
    if (error instanceof DOMException && error.name === 'TimeoutError') {
      return new FlowApiError(
        'API_TIMEOUT',
        `${method} ${path} timed out after ${this.#timeoutMs} ms. Check that the Flow API at ${this.baseUrl} is healthy, or raise FLOW_MCP_REQUEST_TIMEOUT_MS.`,
        { status: 0, method, path, cause: error },
      );
    }
    // fetch wraps the socket error (ECONNREFUSED, ENOTFOUND) in `cause`.
    const cause: unknown = error instanceof Error ? error.cause : undefined;
    let reason = error instanceof Error ? error.message : String(error);
    if (cause instanceof Error) reason = 'code' in cause && cause.code ? String(cause.code) : cause.message;
    return new FlowApiError(
      'API_UNREACHABLE',
      `Cannot reach the Flow API at ${this.baseUrl} (${reason}). Start it with "npm run flow -- start" or set FLOW_API_URL.`,
      { status: 0, method, path, cause: error },
    );
  }
}
