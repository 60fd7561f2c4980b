// Wraps the queue and store ports so that their failures surface as `upstream_unavailable` (503, retryable)
// instead of as internal errors.
import type { JobQueue, ObjectStore } from "../../services/core/index.js";
import { LeanFleetError } from "../../services/core/index.js";
import { UpstreamUnavailableError } from "./errors.js";

/** Codes of an adapter's own failures (the service answered an error, the network failed, the adapter was closed):
 * the client sees them as `upstream_unavailable`. Other LeanFleet errors (e.g. `lease_lost`) pass through. */
const UPSTREAM_FAILURES: ReadonlySet<string> = new Set(["aws_service", "network", "internal"]);

function guard<T extends object>(target: T, what: string): T {
  return new Proxy(target, {
    get(obj, prop, receiver) {
      const value = Reflect.get(obj, prop, receiver) as unknown;
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        const wrap = (err: unknown): never => {
          const passThrough = err instanceof LeanFleetError && !UPSTREAM_FAILURES.has(err.code);
          throw passThrough ? err : new UpstreamUnavailableError(what, err);
        };
        try {
          const out = (value as (...a: unknown[]) => unknown).apply(obj, args);
          return out instanceof Promise ? out.catch(wrap) : out;
        } catch (err) {
          return wrap(err);
        }
      };
    },
  });
}

/** The store, with failures mapped to `upstream_unavailable`. */
export function guardStore(store: ObjectStore): ObjectStore {
  return guard(store, "the object store");
}

/** A fleet's queue, with failures mapped to `upstream_unavailable`. */
export function guardQueue(queue: JobQueue, fleet: string): JobQueue {
  return guard(queue, `the queue of fleet ${fleet}`);
}
