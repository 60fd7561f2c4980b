// LeanFleetClient: the TypeScript SDK of the API — submit, wait, get, batches (create/append), progress, a
// resumable results stream, cluster status; retries with backoff; handle chains carried automatically.
import type { BatchProgress } from "../batches/index.js";
import type { JobResult } from "../jobs/index.js";
import { LeanFleetError } from "../core/index.js";
import { HandleBook } from "./handle-book.js";
import { BatchSender, type BatchSubmission, type SubmitBatchOptions } from "./batch-sender.js";
import { HttpTransport, type HttpOptions } from "./http.js";
import { ResultStream, type ResultStreamOptions } from "./result-stream.js";

/** One check, as POST /v1/jobs and batch items take it (see /openapi.json for every field). */
export interface CheckInput {
  code?: string;
  file?: { content: string; name?: string };
  tactic?: string;
  proofState?: string;
  env?: string;
  options?: Record<string, unknown>;
  timeoutMs?: number;
  keep?: boolean;
  chain?: unknown[];
  /** Your own id of the item, returned as `id` in its result. */
  id?: string;
  /** Free-form JSON returned as is in the result. */
  meta?: unknown;
  /** The problem's formal statement the code must prove (theorems with `sorry` or open `:= by` proofs). */
  statement?: string;
  theorems?: string[];
  permittedAxioms?: string[];
  verify?: "fast" | "strict";
}

/** A batch item: a check and an optional group (problem id). */
export interface BatchItemInput extends CheckInput {
  group?: string;
}

/** Where a job stands. */
export interface JobAnswer {
  jobId: string;
  state?: "queued" | "running" | "done";
  result?: JobResult;
}

/** Defaults of the client. */
export const CLIENT_DEFAULTS = {
  /** Items per batch call (the server's maximum). @default 10000 */
  batchItemsPerCall: 10_000,
  /** Bytes per batch call (under Lambda's 6 MB request limit). @default 5000000 */
  batchBytesPerCall: 5_000_000,
  /** How often a partially enqueued batch call is resent. @default 5 */
  partialRetries: 5,
  /** First poll interval of `wait`, in ms (doubles up to waitPollMaxMs). @default 100 */
  waitPollStartMs: 100,
  /** @default 2000 */
  waitPollMaxMs: 2000,
} as const;

/** Options of {@link LeanFleetClient}. */
export interface LeanFleetClientOptions extends HttpOptions {
  /** Items per batch call. @default 10000 */
  batchItemsPerCall?: number;
  /** Bytes per batch call. @default 5000000 */
  batchBytesPerCall?: number;
}

/** Client of the LeanFleet API. */
export class LeanFleetClient {
  /** Handle records seen in results; chains for later requests come from here. */
  readonly handles = new HandleBook();
  readonly #http: HttpTransport;
  readonly #perCall: { items: number; bytes: number };

  constructor(options: LeanFleetClientOptions) {
    this.#http = new HttpTransport(options);
    this.#perCall = {
      items: Math.min(
        CLIENT_DEFAULTS.batchItemsPerCall,
        options.batchItemsPerCall ?? CLIENT_DEFAULTS.batchItemsPerCall,
      ),
      bytes: options.batchBytesPerCall ?? CLIENT_DEFAULTS.batchBytesPerCall,
    };
  }

  /** The API's base URL. */
  get endpoint(): string {
    return this.#http.endpoint;
  }

  #withChain<T extends CheckInput>(check: T): T {
    if (check.chain !== undefined) return check;
    const chain = this.handles.chainForAll([check.env, check.proofState]);
    return chain ? { ...check, chain } : check;
  }

  #seen(result: JobResult | undefined): void {
    if (result?.handles) this.handles.record(result.handles);
  }

  /** Submit one check. With `wait` (seconds, at most 30) the answer carries the result when ready in time. */
  async submit(
    check: CheckInput & { fleet?: string },
    options: { wait?: number; signal?: AbortSignal } = {},
  ): Promise<JobAnswer> {
    const { body } = await this.#http.json<JobAnswer>({
      method: "POST",
      path: "/v1/jobs",
      query: { wait: options.wait },
      body: JSON.stringify(this.#withChain(check)),
      serverWaitMs: (options.wait ?? 0) * 1000,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    this.#seen(body.result);
    return body;
  }

  /** A job's state, with its result when done. */
  async get(jobId: string, signal?: AbortSignal): Promise<JobAnswer> {
    const { body } = await this.#http.json<JobAnswer>({
      method: "GET",
      path: `/v1/jobs/${encodeURIComponent(jobId)}`,
      ...(signal ? { signal } : {}),
    });
    this.#seen(body.result);
    return body;
  }

  /**
   * Poll until a job is done (backoff up to 2 s); throws `wait_timeout` after `timeoutMs`. `onPoll` sees every
   * answer that is not done yet (its state: queued or running), e.g. to show progress.
   */
  async wait(
    jobId: string,
    options: { timeoutMs?: number; signal?: AbortSignal; onPoll?: (answer: JobAnswer) => void } = {},
  ): Promise<JobResult> {
    const deadline = Date.now() + (options.timeoutMs ?? 15 * 60_000);
    let delay: number = CLIENT_DEFAULTS.waitPollStartMs;
    for (;;) {
      const answer = await this.get(jobId, options.signal);
      if (answer.state === "done" && answer.result) return answer.result;
      options.onPoll?.(answer);
      if (Date.now() + delay > deadline)
        throw new LeanFleetError(
          "wait_timeout",
          `job ${jobId} is still ${answer.state ?? "pending"} after waiting; call wait again or raise timeoutMs`,
          { jobId },
        );
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(CLIENT_DEFAULTS.waitPollMaxMs, delay * 2);
    }
  }

  /** Submit one check and wait for its result (long-polling the server first). */
  async check(
    check: CheckInput & { fleet?: string },
    options: { timeoutMs?: number; signal?: AbortSignal } = {},
  ): Promise<JobResult> {
    const timeoutMs = options.timeoutMs ?? 15 * 60_000;
    const answer = await this.submit(check, {
      wait: Math.min(30, Math.max(0, timeoutMs / 1000)),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    if (answer.result) return answer.result;
    return this.wait(answer.jobId, { timeoutMs, ...(options.signal ? { signal: options.signal } : {}) });
  }

  /**
   * Submit many items as one batch (or append to `batchId`): split into calls of at most 10,000 items / 5 MB,
   * resending items a call could not enqueue. Returns the seq of every item.
   */
  async submitBatch(items: BatchItemInput[], options: SubmitBatchOptions = {}): Promise<BatchSubmission> {
    if (items.length === 0) throw new LeanFleetError("invalid_request", "submitBatch needs at least one item");
    const lines = items.map((item) => JSON.stringify(this.#withChain(item)));
    return new BatchSender(
      this.#http,
      lines,
      { ...this.#perCall, partialRetries: CLIENT_DEFAULTS.partialRetries },
      options,
    ).send();
  }

  /** Append items to an existing batch. */
  appendBatch(
    batchId: string,
    items: BatchItemInput[],
    options: { signal?: AbortSignal } = {},
  ): Promise<BatchSubmission> {
    return this.submitBatch(items, { batchId, ...options });
  }

  /** Progress of a batch. */
  async progress(batchId: string, signal?: AbortSignal): Promise<BatchProgress> {
    return (
      await this.#http.json<BatchProgress>({
        method: "GET",
        path: `/v1/batches/${encodeURIComponent(batchId)}`,
        ...(signal ? { signal } : {}),
      })
    ).body;
  }

  /** A resumable stream of a batch's results (follows until complete unless `follow: false`). */
  results(batchId: string, options: ResultStreamOptions = {}): ResultStream {
    return new ResultStream(this.#http, batchId, {
      ...options,
      onResult: (r) => {
        this.#seen(r);
        options.onResult?.(r);
      },
    });
  }

  /** Queue depths and task counts per fleet. */
  async cluster(): Promise<ClusterAnswer> {
    return (await this.#http.json<ClusterAnswer>({ method: "GET", path: "/v1/cluster" })).body;
  }

  /** An environment record (a result's `env`): what checked the result. */
  async environment(id: string): Promise<Record<string, unknown> & { id: string; simulated: boolean }> {
    return (
      await this.#http.json<Record<string, unknown> & { id: string; simulated: boolean }>({
        method: "GET",
        path: `/v1/environments/${encodeURIComponent(id)}`,
      })
    ).body;
  }

  /** Liveness and fleets of the API. */
  async health(): Promise<{
    ok: boolean;
    version?: string;
    fleets?: string[];
    defaultFleet?: string;
    simulated?: boolean;
  }> {
    return (await this.#http.json<{ ok: boolean }>({ method: "GET", path: "/health", retryable: () => false })).body;
  }
}

/** Answer of GET /v1/cluster. */
export interface ClusterAnswer {
  at: string;
  simulated: boolean;
  fleets: {
    fleet: string;
    default: boolean;
    queue: { visible: number; inFlight: number; delayed: number; oldestAgeSeconds: number | null } | { error: string };
    tasks: { desired: number; running: number; pending: number } | { error: string } | null;
    /** Jobs whose messages reached the dead-letter queue (each has a terminal `crashed` result, code dead_lettered). */
    deadLettered?: { count: number; atLeast: boolean } | { error: string };
    /** Environments its workers ran (oldest first) and the latest worker's (`GET /v1/environments/{id}`). */
    environments?:
      { current: string | null; environments: { id: string; firstSeenAt: string | null }[] } | { error: string };
  }[];
}
