// The worker processes of the local cluster: the environment each fleet's workers start with (Lean or the doubles,
// the queue, lease, poll and drain settings) and one FleetSupervisor per fleet that scales them.
import { join } from "node:path";
import type { Logger } from "pino";
import { SqsJobQueue, type AwsClients } from "../aws/index.js";
import { WORKER_ENV } from "../worker/index.js";
import { FleetSupervisor, type LocalScaling } from "./fleet-supervisor.js";
import { REPO_ROOT } from "./repo-root.js";
import { simulatedWorkerEnv } from "./simulated-worker-env.js";
import { WorkerProcess } from "./worker-process.js";

/** What {@link startFleetSupervisors} needs. */
export interface FleetWorkersOptions {
  clusterId: string;
  queues: Record<string, { queueUrl: string }>;
  clients: AwsClients;
  workers: { min: number; max: number };
  scaling: LocalScaling;
  logger: Logger;
  logDir: string;
  /** The environment every process of the cluster gets (AWS endpoint, region, bucket). */
  commonEnv: Record<string, string>;
  /** Where Lean is (LEANFLEET_REPL, LEANFLEET_PROJECT_DIR); empty on the doubles. */
  leanEnv: Record<string, string>;
  simulated: boolean;
  replsPerWorker: number;
  visibilitySeconds: number;
  pollWaitSeconds: number;
  drainSeconds: number;
  /** The caller's extra worker environment, then per fleet (over it). */
  workerEnv?: Record<string, string>;
  fleetWorkerEnv?: Record<string, Record<string, string>>;
}

/** The environment of one fleet's workers: the cluster's settings, then the doubles' commands, then the caller's. */
export function fleetWorkerEnv(o: FleetWorkersOptions, fleet: string): Record<string, string> {
  const extra = { ...o.workerEnv, ...o.fleetWorkerEnv?.[fleet] };
  return {
    ...o.commonEnv,
    ...o.leanEnv,
    [WORKER_ENV.fleet]: fleet,
    [WORKER_ENV.queueUrl]: o.queues[fleet]!.queueUrl,
    [WORKER_ENV.simulate]: o.simulated ? "1" : "0",
    [WORKER_ENV.replCount]: String(o.replsPerWorker),
    [WORKER_ENV.healthPort]: "0",
    [WORKER_ENV.visibilitySeconds]: String(o.visibilitySeconds),
    [WORKER_ENV.pollWaitSeconds]: String(o.pollWaitSeconds),
    [WORKER_ENV.drainSeconds]: String(o.drainSeconds),
    // The doubles' commands follow what the worker will see: the shell's environment, then the caller's.
    ...(o.simulated ? simulatedWorkerEnv({ ...o.commonEnv, ...extra }) : {}),
    ...extra,
  };
}

/** One supervisor per fleet, each spawning `services/worker/main.ts` processes tagged with the cluster's id. */
export function startFleetSupervisors(o: FleetWorkersOptions): Record<string, FleetSupervisor<WorkerProcess>> {
  const supervisors: Record<string, FleetSupervisor<WorkerProcess>> = {};
  for (const fleet of Object.keys(o.queues)) {
    const env = fleetWorkerEnv(o, fleet);
    supervisors[fleet] = new FleetSupervisor({
      fleet,
      queue: new SqsJobQueue({ client: o.clients.sqs, queueUrl: o.queues[fleet]!.queueUrl }),
      min: o.workers.min,
      max: o.workers.max,
      scaling: o.scaling,
      logger: o.logger,
      spawn: (n) =>
        new WorkerProcess({
          workerId: `${fleet}-${n}`,
          fleet,
          args: ["--import", "tsx", join(REPO_ROOT, "services/worker/main.ts")],
          cwd: REPO_ROOT,
          tag: `${o.clusterId}:${fleet}-${n}`,
          logFile: join(o.logDir, `worker-${fleet}-${n}.log`),
          env,
        }),
    });
  }
  return supervisors;
}
