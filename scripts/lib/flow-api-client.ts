/** A small client for Flow's REST API (`/api/v1`), authenticated with one tenant's API key. */

/** Error body every failed API request returns. */
interface ApiErrorBody {
  error?: { code?: string; message?: string; details?: unknown };
}

/** A request that returned HTTP 400 or above. `message` is the API's error message. */
export class ApiError extends Error {
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly code: string;

  constructor(method: string, path: string, status: number, code: string, message: string) {
    super(message);
    this.name = 'ApiError';
    this.method = method;
    this.path = path;
    this.status = status;
    this.code = code;
  }
}

/** A run as `GET /pipelines/:id/runs` and `GET /runs/:id` return it. Counts are strings. */
export interface RunView {
  id: string;
  pipelineId: string;
  trigger: string;
  irVersion: number | null;
  status: 'queued' | 'running' | 'succeeded' | 'failed' | 'skipped';
  error: { code: string; message: string } | null;
  rowsRead: string;
  rowsWritten: string;
  rowsQuarantined: string;
  rowsSkipped: string;
  objectsRead: number;
  bytesRead: string;
  requestedAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

/** A page of a dataset's table as `GET /schemas/:id/rows` returns it. */
export interface RowsPage {
  rows: Record<string, unknown>[];
  total: number;
  limit: number;
  offset: number;
}

export const finishedRunStatuses: ReadonlySet<RunView['status']> = new Set(['succeeded', 'failed', 'skipped']);

export class FlowApiClient {
  readonly baseUrl: string;
  readonly #apiKey: string;

  constructor(baseUrl: string, apiKey: string) {
    this.baseUrl = baseUrl;
    this.#apiKey = apiKey;
  }

  get<T>(path: string): Promise<T> {
    return this.#request<T>('GET', path);
  }

  post<T>(path: string, body: unknown): Promise<T> {
    return this.#request<T>('POST', path, body);
  }

  /** Sends one request and returns the parsed JSON body. Raises ApiError with the API's error code and message. */
  async #request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { 'X-API-Key': this.#apiKey };
    if (body !== undefined) headers['Content-Type'] = 'application/json';

    const url = `${this.baseUrl}${path}`;
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(30_000),
      });
    } catch (error) {
      const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
      const reason = error instanceof Error ? `${error.message}${cause}` : String(error);
      throw new Error(`${method} ${url} failed (${reason}). Check that Flow's API is running on that address.`, { cause: error });
    }
    const text = await response.text();

    if (!response.ok) {
      let parsed: ApiErrorBody = {};
      try {
        parsed = JSON.parse(text) as ApiErrorBody;
      } catch {
        // The body is not JSON (a proxy page, say), so the raw text is reported below.
      }
      const code = parsed.error?.code ?? 'UNKNOWN';
      const message = parsed.error?.message ?? (text.slice(0, 500) || response.statusText);
      throw new ApiError(method, path, response.status, code, message);
    }
    return JSON.parse(text) as T;
  }
}
