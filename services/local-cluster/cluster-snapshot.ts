// Builds the local cluster's status snapshot from its parts: per fleet the queue depths, the dead-lettered count,
// the task counts and one row per worker process (what `GET /v1/cluster` answers).
import type { JobQueue, ObjectStore } from "../core/index.js";
import { countDeadLettered } from "../dead-letter/index.js";
import type { ClusterSnapshot, FleetStatus, WorkerRow } from "./cluster-status.js";
import type { FleetSupervisor } from "./fleet-supervisor.js";
import type { WorkerProcess } from "./worker-process.js";

/** What a snapshot is read from. */
export interface SnapshotSources {
  simulated: boolean;
  /** The API's URL once it runs (null before, or without an API). */
  apiUrl: () => string | null;
  awsEndpoint: string;
  bucket: string;
  queues: Record<string, { queueUrl: string; dlqUrl: string }>;
  supervisors: Record<string, FleetSupervisor<WorkerProcess>>;
  deadLetterQueues: Record<string, JobQueue>;
  store: ObjectStore;
  workers: { min: number; max: number };
}

/** The row of one worker process (null where its health endpoint has not answered yet). */
function workerRow(w: WorkerProcess): WorkerRow {
  return {
    workerId: w.workerId,
    pid: w.pid,
    state: w.state,
    startedAt: new Date(w.startedAtMs).toISOString(),
    healthPort: w.healthPort ?? null,
    jobsRunning: w.health?.jobsRunning ?? null,
    jobsDone: w.health?.jobsDone ?? null,
    replsAlive: w.health?.repls.alive ?? null,
    replRestarts: w.health?.repls.restarts ?? null,
  };
}

/** One fleet's status; what cannot be read now is null. */
async function fleetStatus(src: SnapshotSources, fleet: string): Promise<FleetStatus> {
  const s = src.supervisors[fleet]!;
  const [queue, deadLetter, settled] = await Promise.all([
    s.depth ? Promise.resolve(s.depth) : Promise.resolve(null),
    src.deadLetterQueues[fleet]!.depth().catch(() => null),
    countDeadLettered(src.store, fleet).catch(() => null),
  ]);
  return {
    fleet,
    ...src.queues[fleet]!,
    queue,
    deadLetter,
    deadLettered: settled,
    tasks: { ...s.counts(), ...src.workers, replaced: s.replaced },
    workers: [...s.workers].map(workerRow),
  };
}

/** A function that reads the cluster's snapshot now. */
export function clusterSnapshot(src: SnapshotSources): () => Promise<ClusterSnapshot> {
  return async () => ({
    at: new Date().toISOString(),
    simulated: src.simulated,
    apiUrl: src.apiUrl(),
    awsEndpoint: src.awsEndpoint,
    bucket: src.bucket,
    fleets: await Promise.all(Object.keys(src.queues).map((fleet) => fleetStatus(src, fleet))),
  });
}
