// Resolves ApiDeps into what the routes use (defaults applied, helpers built once per app instance).
import { BatchProgressTracker, BatchStore } from "../../services/batches/index.js";
import { newBatchId } from "../../services/jobs/index.js";
import type { JobQueue, ObjectStore } from "../../services/core/index.js";
import { API_DEFAULTS, type ApiDeps, type ApiLimits, type BodyReader, type ClusterStatus } from "./deps.js";
import { Enqueuer } from "./enqueue.js";
import { ApiConfigError } from "./config.js";
import { BadRequestError } from "./errors.js";
import { guardQueue, guardStore } from "./guard.js";
import { JobIdSigner, loadIdSecret } from "./job-ids.js";
import { SendCoalescer } from "./send-coalescer.js";
import { QueuedJobsLimiter, RateLimiter } from "./limits.js";
import type { ErrorLog } from "./middleware/error-handler.js";

/** Everything a route handler needs, built once by `createApp`. */
export interface ApiContext {
  queues: Record<string, JobQueue>;
  store: ObjectStore;
  cluster: ClusterStatus | undefined;
  fleets: string[];
  defaultFleet: string;
  limits: ApiLimits;
  now: () => number;
  /** New batch ids. */
  newBatchId: () => string;
  /** Issues and verifies owner-bound single-job ids. */
  jobIds: JobIdSigner;
  /** Coalescing senders of single jobs, per fleet. */
  senders: Record<string, SendCoalescer>;
  sleep: (ms: number) => Promise<void>;
  simulated: boolean;
  version: string;
  /** The runtime adapter's body reader, if any (see ApiDeps.bodyReader). */
  bodyReader: BodyReader | undefined;
  enqueuer: Enqueuer;
  rate: RateLimiter;
  queued: QueuedJobsLimiter;
  batches: BatchStore;
  progress: BatchProgressTracker;
  log: ErrorLog | undefined;
  /** The queue of a fleet named by a request, or `unknown_fleet` naming `field`. */
  queueOf(fleet: string | undefined, field: string): { fleet: string; queue: JobQueue };
}

/** Apply defaults to deps and build the per-app helpers. */
export function resolveDeps(deps: ApiDeps, log?: ErrorLog): ApiContext {
  const fleets = Object.keys(deps.queues);
  if (fleets.length === 0) throw new ApiConfigError("createApp: deps.queues must name at least one fleet");
  const defaultFleet =
    deps.defaultFleet ?? (fleets.includes(API_DEFAULTS.defaultFleet) ? API_DEFAULTS.defaultFleet : fleets[0]!);
  if (deps.idSecret !== undefined && !/^[0-9a-f]{64}$/.test(deps.idSecret))
    throw new ApiConfigError("createApp: idSecret must be 64 lowercase hex digits");
  if (!fleets.includes(defaultFleet))
    throw new ApiConfigError(
      `createApp: defaultFleet ${JSON.stringify(defaultFleet)} is not one of the fleets ${fleets.join(", ")}`,
    );
  const limits: ApiLimits = {
    ...API_DEFAULTS.limits,
    ...deps.limits,
    keyLimits: { ...API_DEFAULTS.limits.keyLimits, ...deps.limits?.keyLimits },
  };
  const now = deps.now ?? Date.now;
  const queues = Object.fromEntries(Object.entries(deps.queues).map(([f, q]) => [f, guardQueue(q, f)]));
  const store = guardStore(deps.store);
  return {
    queues,
    store,
    cluster: deps.cluster,
    fleets,
    defaultFleet,
    limits,
    now,
    newBatchId,
    jobIds: new JobIdSigner(
      deps.idSecret === undefined ? () => loadIdSecret(store) : async () => Buffer.from(deps.idSecret!, "hex"),
    ),
    senders: Object.fromEntries(Object.entries(queues).map(([f, q]) => [f, new SendCoalescer(q)])),
    sleep: deps.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms))),
    simulated: deps.simulated ?? false,
    version: deps.version ?? "0.1.0",
    bodyReader: deps.bodyReader,
    enqueuer: new Enqueuer(store, { sendConcurrency: limits.sendConcurrency }),
    rate: new RateLimiter(now),
    queued: new QueuedJobsLimiter(queues, now, limits.depthCacheMs),
    batches: new BatchStore(store, now),
    progress: new BatchProgressTracker(store),
    log,
    queueOf(fleet, field) {
      const name = fleet ?? defaultFleet;
      const queue = queues[name];
      if (!queue) {
        throw new BadRequestError(
          field,
          `unknown fleet ${JSON.stringify(name)}; this deployment has: ${fleets.join(", ")} (GET /v1/cluster lists them)`,
          "unknown_fleet",
        );
      }
      return { fleet: name, queue };
    },
  };
}
