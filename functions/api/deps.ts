// What the API needs from outside (queues, store, cluster view, clock, ids, keys, limits) and its defaults.
import type { Context } from "hono";
import type { ClusterStatus, JobQueue, ObjectStore, TaskCounts } from "../../services/core/index.js";

export type { ClusterStatus, TaskCounts };

/** Limits of one API key. */
export interface KeyLimits {
  /** Sustained requests per second (token bucket refill). @default 50 */
  requestsPerSecond: number;
  /** Burst size of the token bucket. @default 100 */
  burst: number;
  /** Jobs this key may have queued (not yet finished) at once, across fleets. @default 1000000 */
  maxQueuedJobs: number;
}

/** One accepted API key, stored as the hex SHA-256 of the key (never the key itself). */
export interface ApiKeyEntry {
  /** Name of the key in logs, batch ownership and limits (not secret). */
  id: string;
  /** Lowercase hex SHA-256 of the bearer token. */
  sha256: string;
  /** Per-key overrides of the default limits. */
  limits?: Partial<KeyLimits>;
}

/** Who may call the API. */
export interface AuthConfig {
  /** When false, requests without a key are served as `anonymous` (local use only). */
  required: boolean;
  keys: ApiKeyEntry[];
}

/** Body and wait limits. */
export interface ApiLimits {
  /** Largest `POST /v1/jobs` body. @default 11534336 (11 MiB: a 10 MiB input plus JSON overhead) */
  maxJobBodyBytes: number;
  /** Largest `POST /v1/batches` body. @default 67108864 (64 MiB; Lambda's own payload limit is 6 MB) */
  maxBatchBodyBytes: number;
  /** Items per `POST /v1/batches` call. @default 10000 */
  maxBatchItems: number;
  /** Longest `?wait=` on `POST /v1/jobs`, in seconds. @default 30 */
  maxWaitSeconds: number;
  /** Results per page of `GET /v1/batches/:id/results`. @default 1000 */
  maxResultsPerPage: number;
  /** Bytes per page of results (Lambda answers at most 6 MB). @default 4194304 */
  maxResultsPageBytes: number;
  /** How long a fleet's queue depth is reused for the queued-jobs limit, in milliseconds. @default 1000 */
  depthCacheMs: number;
  /** Concurrent SendMessageBatch calls while enqueueing a batch. @default 8 */
  sendConcurrency: number;
  /**
   * How long a Kimina-compatible call (`/api/check`, `/verify`) waits for its snippets' results, in seconds; a snippet
   * not back by then gets a per-snippet error (its job still runs and stores its result). Below kimina-client's
   * 600 s HTTP timeout, so the client never gives up first and resends the batch. @default 540
   */
  kiminaWaitSeconds: number;
  /** Default limits of every key. */
  keyLimits: KeyLimits;
}

/** Defaults of the API unit. */
export const API_DEFAULTS = {
  /** Fleet used when a request names none. @default "default" */
  defaultFleet: "default",
  limits: {
    maxJobBodyBytes: 11 * 1024 * 1024,
    maxBatchBodyBytes: 64 * 1024 * 1024,
    maxBatchItems: 10_000,
    maxWaitSeconds: 30,
    maxResultsPerPage: 1000,
    maxResultsPageBytes: 4 * 1024 * 1024,
    depthCacheMs: 1000,
    sendConcurrency: 8,
    kiminaWaitSeconds: 540,
    keyLimits: { requestsPerSecond: 50, burst: 100, maxQueuedJobs: 1_000_000 },
  } satisfies ApiLimits,
  /** First poll interval of `?wait=` in milliseconds (doubles up to waitPollMaxMs). @default 25 */
  waitPollStartMs: 25,
  /** Longest poll interval of `?wait=` in milliseconds. @default 500 */
  waitPollMaxMs: 500,
} as const;

/** Everything `createApp` needs; built once by a composition root (lambda.ts, local.ts, tests). */
/**
 * A runtime's own way to read a request body (the Node adapter reads small bodies from node's request buffer); null
 * means "take the general path". Routes see only the bytes.
 */
export type BodyReader = (c: Context) => Promise<Uint8Array | null>;

export interface ApiDeps {
  /** One job queue per fleet, by fleet name. */
  queues: Record<string, JobQueue>;
  /** Results, claim-checked inputs, batch records and markers. */
  store: ObjectStore;
  /** Task counts for `GET /v1/cluster`. @default - tasks reported as null */
  cluster?: ClusterStatus;
  /** Fleet used when a request names none. @default - "default" if such a fleet exists, else the first fleet */
  defaultFleet?: string;
  auth: AuthConfig;
  /** Overrides of {@link API_DEFAULTS.limits}. */
  limits?: Partial<Omit<ApiLimits, "keyLimits">> & { keyLimits?: Partial<KeyLimits> };
  /** Epoch milliseconds. @default Date.now */
  now?: () => number;
  /** Secret that signs single-job ids (hex, 64 digits). @default - read from the store's config/id-secret, created on first use */
  idSecret?: string;
  /** Wait helper (tests may shorten it). @default - setTimeout */
  sleep?: (ms: number) => Promise<void>;
  /** True when the workers run the REPL double: reported by /health and /v1/cluster. @default false */
  simulated?: boolean;
  /** Version string reported by /health. @default "0.1.0" */
  version?: string;
  /** The runtime adapter's body reader (local.ts passes the Node one). @default - Hono's general path only */
  bodyReader?: BodyReader;
}
