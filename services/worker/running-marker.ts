// The `running/<jobId>` marker the API reads for a job's state: written once a job has run a while (quick jobs
// finish first and cost no writes), and removed when the run is over. Writes are best effort.
import { runningKey } from "../jobs/index.js";
import type { ObjectStore } from "../core/index.js";

/** A pending or written marker of one run. */
export interface RunningMarker {
  /** The run is over: the marker must not appear any more (a pending write is cancelled). */
  stop(): void;
  /** Stop, and delete the marker if it was written. */
  remove(): void;
}

/** Schedule the marker of `jobId` after `afterMs` (null: never). */
export function startRunningMarker(
  store: ObjectStore,
  o: { jobId: string; workerId: string; startedAtMs: number; afterMs: number | null },
): RunningMarker {
  let marked = false;
  const timer =
    o.afterMs === null
      ? undefined
      : setTimeout(() => {
          marked = true;
          store
            .put(
              runningKey(o.jobId),
              JSON.stringify({ worker: o.workerId, startedAt: new Date(o.startedAtMs).toISOString() }),
            )
            .catch(() => undefined);
        }, o.afterMs);
  timer?.unref();
  return {
    stop: () => clearTimeout(timer),
    remove: () => {
      clearTimeout(timer);
      if (marked) store.delete(runningKey(o.jobId)).catch(() => undefined);
    },
  };
}
