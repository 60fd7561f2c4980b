// HTTP for the client: JSON requests with retries and exponential backoff on 429, 5xx and network errors, honouring
// Retry-After; API errors surface as LeanFleetApiError with the server's stable code.
import { isErrorCode, LeanFleetError } from "../core/index.js";

/** Retry policy of the client. */
export interface RetryPolicy {
  /** Retries after the first attempt. @default 6 */
  retries: number;
  /** First backoff delay in milliseconds (doubles each retry, with jitter). @default 250 */
  baseDelayMs: number;
  /** Longest backoff delay (and longest honoured Retry-After) in milliseconds. @default 20000 */
  maxDelayMs: number;
}

/** Defaults of the client's HTTP layer. */
export const HTTP_DEFAULTS = {
  retry: { retries: 6, baseDelayMs: 250, maxDelayMs: 20_000 } satisfies RetryPolicy,
  /** Per-attempt timeout in milliseconds, on top of any server-side wait the request asks for. @default 60000 */
  requestTimeoutMs: 60_000,
} as const;

/** An error answer of the API (4xx/5xx with `{error:{code,message,field?}}`), after retries when retryable. */
export class LeanFleetApiError extends LeanFleetError {
  constructor(
    readonly status: number,
    code: string,
    message: string,
    readonly field?: string,
    readonly body?: Record<string, unknown>,
  ) {
    // A code this client does not know (a newer server) keeps its text in details and counts as `internal`.
    super(isErrorCode(code) ? code : "internal", `HTTP ${status} ${code}: ${message}`, {
      status,
      ...(field ? { field } : {}),
      ...(isErrorCode(code) ? {} : { remoteCode: code }),
    });
  }
}

/** HTTP statuses worth retrying: rate limits and server-side failures. */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || status === 500 || status === 502 || status === 503 || status === 504;
}

/** Delay before retry `attempt` (1-based): Retry-After when the server gave one, else exponential with full jitter. */
export function backoffMs(
  attempt: number,
  policy: RetryPolicy,
  retryAfter: string | null,
  random: () => number = Math.random,
): number {
  if (retryAfter !== null && retryAfter.trim() !== "") {
    const seconds = Number(retryAfter);
    const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(retryAfter) - Date.now();
    if (Number.isFinite(ms) && ms >= 0) return Math.min(policy.maxDelayMs, ms);
  }
  const cap = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.max(policy.baseDelayMs / 2, Math.round(cap * random()));
}

/** True for this machine's own addresses (`localhost`, 127.0.0.0/8, ::1). */
export function isLoopback(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, "").toLowerCase();
  return h === "localhost" || h.endsWith(".localhost") || h === "::1" || /^127\.\d+\.\d+\.\d+$/.test(h);
}

/** Whether a fetch failure is ECONNREFUSED (undici puts it in `cause`, or in `cause.errors` for several addresses). */
function isConnectionRefused(err: unknown): boolean {
  const cause = (err as { cause?: { code?: string; errors?: Array<{ code?: string }> } }).cause;
  if (cause?.code === "ECONNREFUSED") return true;
  return (
    Array.isArray(cause?.errors) && cause.errors.length > 0 && cause.errors.every((e) => e.code === "ECONNREFUSED")
  );
}

/** One request as the transport sees it. */
export interface HttpRequest {
  method: "GET" | "POST";
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  body?: string;
  contentType?: string;
  /** Extra time the server may hold the request (its `wait`), added to the per-attempt timeout. */
  serverWaitMs?: number;
  /** Whether a failed attempt may be retried (requests that must not run twice pass a predicate). */
  retryable?: (status: number, code: string | undefined) => boolean;
  signal?: AbortSignal;
}

/** Options of the transport. */
export interface HttpOptions {
  endpoint: string;
  apiKey?: string;
  fetch?: typeof fetch;
  retry?: Partial<RetryPolicy>;
  requestTimeoutMs?: number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Called before each retry (for logs and progress bars). */
  onRetry?: (info: { attempt: number; delayMs: number; status?: number; code?: string; error?: string }) => void;
}

/** The API's error answer in `res` (its body's code, if any) as the error to throw. */
async function readErrorAnswer(res: Response): Promise<{ code: string | undefined; error: LeanFleetApiError }> {
  const text = await res.text();
  let body: { error?: { code?: string; message?: string; field?: string } } = {};
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    // a proxy's HTML error page: keep the status only
  }
  const code = body.error?.code;
  const error = new LeanFleetApiError(
    res.status,
    code ?? `http_${res.status}`,
    body.error?.message ?? (text.slice(0, 300) || res.statusText),
    body.error?.field,
    body.error as Record<string, unknown> | undefined,
  );
  return { code, error };
}

function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal!.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** The client's transport: builds URLs, adds the bearer key, retries, decodes errors. */
export class HttpTransport {
  readonly #base: string;
  readonly #fetch: typeof fetch;
  readonly #policy: RetryPolicy;
  readonly #sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Whether the endpoint has answered at least once (then a refused connection is a restart worth retrying). */
  #reached = false;

  constructor(private readonly options: HttpOptions) {
    this.#base = options.endpoint.replace(/\/+$/, "");
    this.#fetch = options.fetch ?? globalThis.fetch;
    this.#policy = { ...HTTP_DEFAULTS.retry, ...options.retry };
    this.#sleep = options.sleep ?? abortableSleep;
  }

  /** The endpoint's base URL. */
  get endpoint(): string {
    return this.#base;
  }

  /** Send a request, retrying as the policy allows; resolves with the successful Response (2xx). */
  async send(req: HttpRequest): Promise<Response> {
    const url = this.#urlOf(req);
    const headers = this.#headersOf(req);
    const timeoutMs = (this.options.requestTimeoutMs ?? HTTP_DEFAULTS.requestTimeoutMs) + (req.serverWaitMs ?? 0);

    for (let attempt = 1; ; attempt++) {
      const signals = [AbortSignal.timeout(timeoutMs), ...(req.signal ? [req.signal] : [])];
      let res: Response;
      try {
        res = await this.#fetch(url, {
          method: req.method,
          headers,
          ...(req.body === undefined ? {} : { body: req.body }),
          signal: AbortSignal.any(signals),
        });
      } catch (err) {
        await this.#afterFetchFailure(err, attempt, url, req);
        continue;
      }
      this.#reached = true;
      if (res.ok) return res;
      const { code, error } = await readErrorAnswer(res);
      const retryable = isRetryableStatus(res.status) && (req.retryable?.(res.status, code) ?? true);
      if (!retryable || attempt > this.#policy.retries) throw error;
      const delayMs = backoffMs(attempt, this.#policy, res.headers.get("retry-after"));
      this.options.onRetry?.({ attempt, delayMs, status: res.status, ...(code ? { code } : {}) });
      await this.#sleep(delayMs, req.signal);
    }
  }

  #urlOf(req: HttpRequest): URL {
    const url = new URL(this.#base + req.path);
    for (const [k, v] of Object.entries(req.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    return url;
  }

  #headersOf(req: HttpRequest): Record<string, string> {
    const headers: Record<string, string> = { accept: "application/json, application/x-ndjson" };
    if (this.options.apiKey) headers.authorization = `Bearer ${this.options.apiKey}`;
    if (req.body !== undefined) headers["content-type"] = req.contentType ?? "application/json";
    return headers;
  }

  /** After a request got no answer: throw when it must not be retried, else wait out the backoff. */
  async #afterFetchFailure(err: unknown, attempt: number, url: URL, req: HttpRequest): Promise<void> {
    if (req.signal?.aborted) throw req.signal.reason;
    // Nothing listens on this machine's port: no server is starting up behind a load balancer, so retrying only
    // delays the answer. Once the endpoint has answered, a refusal is a restart and is retried like any error.
    if (!this.#reached && isLoopback(url.hostname) && isConnectionRefused(err)) {
      throw new LeanFleetError(
        "network",
        `nothing is listening at ${this.#base} (connection refused): start the local cluster with \`leanfleet up\` (or \`npm start\`), or pass --endpoint for a deployment`,
      );
    }
    if (attempt > this.#policy.retries)
      throw new LeanFleetError(
        "network",
        `could not reach ${this.#base} (${(err as Error).message}) after ${attempt} attempts; check --endpoint and that the API is running (leanfleet up)`,
      );
    const delayMs = backoffMs(attempt, this.#policy, null);
    this.options.onRetry?.({ attempt, delayMs, error: (err as Error).message });
    await this.#sleep(delayMs, req.signal);
  }

  /** Send and decode a JSON answer. */
  async json<T>(req: HttpRequest): Promise<{ status: number; body: T; headers: Headers }> {
    const res = await this.send(req);
    return { status: res.status, body: (await res.json()) as T, headers: res.headers };
  }
}
