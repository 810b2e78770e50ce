/**
 * The HTTP edge of the engine collectors: GET a path of an engine's REST API and parse the
 * JSON body, with a timeout. Collectors depend on {@link EngineHttpClient} only, so tests
 * can drive them with any server (or none).
 */

/** Why a request failed. */
export type EngineRequestFailure = 'unreachable' | 'timeout' | 'http_status' | 'malformed_json';

/** A request to an engine endpoint that did not return a JSON body. */
export class EngineRequestError extends Error {
  override readonly name = 'EngineRequestError';

  constructor(
    /** Request path, e.g. `/jobs/overview`. */
    readonly endpoint: string,
    readonly failure: EngineRequestFailure,
    message: string,
    /** HTTP status when `failure` is `http_status`. */
    readonly status: number | null = null,
  ) {
    super(`${endpoint}: ${message}`);
  }
}

/** GETs JSON from one engine's REST API. */
export interface EngineHttpClient {
  /**
   * The parsed JSON body of `GET <base URL><path>`.
   * @throws EngineRequestError when the engine is unreachable, too slow, answers with a
   *   status other than 2xx, or with a body that is not JSON.
   */
  getJson(path: string): Promise<unknown>;
}

/** Settings of {@link FetchEngineClient}. */
export interface FetchEngineClientOptions {
  /** Base URL of the REST API, e.g. http://flink-jobmanager:8081 (a path prefix is kept). */
  readonly baseUrl: string;
  /** Time allowed for one request, headers and body. */
  readonly timeoutMs: number;
  /** Headers sent with every request (authorisation); called per request so rotated secrets apply. */
  readonly headers?: () => Readonly<Record<string, string>>;
  /** Largest body read, bytes; a bigger answer is refused rather than buffered. Default 16 MiB. */
  readonly maxBodyBytes?: number;
}

const DEFAULT_MAX_BODY_BYTES = 16 * 1024 * 1024;

/** {@link EngineHttpClient} over Node's fetch. */
export class FetchEngineClient implements EngineHttpClient {
  private readonly base: string;

  constructor(private readonly options: FetchEngineClientOptions) {
    this.base = options.baseUrl.replace(/\/+$/, '');
    if (!(options.timeoutMs > 0))
      throw new RangeError(`timeoutMs must be positive, got ${options.timeoutMs}`);
  }

  async getJson(path: string): Promise<unknown> {
    const signal = AbortSignal.timeout(this.options.timeoutMs);
    let text: string;
    let status: number;
    try {
      const response = await fetch(`${this.base}${path}`, {
        headers: { accept: 'application/json', ...(this.options.headers?.() ?? {}) },
        signal,
        redirect: 'follow',
      });
      status = response.status;
      const declared = Number(response.headers.get('content-length') ?? '0');
      const limit = this.options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
      if (declared > limit) {
        await response.body?.cancel();
        throw new EngineRequestError(path, 'malformed_json', `body of ${declared} bytes is over ${limit}`);
      }
      text = await response.text();
      if (text.length > limit) {
        throw new EngineRequestError(
          path,
          'malformed_json',
          `body of ${text.length} characters is over ${limit}`,
        );
      }
    } catch (error) {
      if (error instanceof EngineRequestError) throw error;
      if (signal.aborted) {
        throw new EngineRequestError(path, 'timeout', `no answer within ${this.options.timeoutMs} ms`);
      }
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      const detail = cause?.code ?? cause?.message ?? (error as Error).message;
      throw new EngineRequestError(path, 'unreachable', `cannot reach ${this.base}: ${detail}`);
    }
    if (status < 200 || status > 299) {
      throw new EngineRequestError(
        path,
        'http_status',
        `HTTP ${status}: ${text.slice(0, 200).replace(/\s+/g, ' ')}`,
        status,
      );
    }
    try {
      return JSON.parse(text) as unknown;
    } catch (error) {
      throw new EngineRequestError(path, 'malformed_json', `body is not JSON: ${(error as Error).message}`);
    }
  }
}
