// What `startLocalCluster` accepts and returns: its defaults, options and handle, and the checks of its options
// (fleet names, worker bounds) with the messages that name the field and a value that works.
import type { Logger } from "pino";
import { DEFAULT_LOCAL_PORT, FLEET_PATTERN } from "../../functions/api/index.js";
import type { ClusterSnapshot, ClusterStatus } from "./cluster-status.js";
import type { FleetSupervisor, LocalScaling } from "./fleet-supervisor.js";
import type { WorkerProcess } from "./worker-process.js";

/** Defaults of the local cluster. */
export const LOCAL_CLUSTER_DEFAULTS = {
  /** Fleets, each with its own queue and workers. @default ["default"] */
  fleets: ["default"] as readonly string[],
  /** API port. @default 8787 */
  port: DEFAULT_LOCAL_PORT,
  /** fauxqs port; 0 picks a free one. @default 0 */
  awsPort: 0,
  /** Bucket for results, inputs and markers. @default "leanfleet-local" */
  bucket: "leanfleet-local",
  /** Queue visibility timeout = the workers' lease (the heartbeat extends it every third). @default 30 */
  visibilitySeconds: 30,
  /** Deliveries before a message goes to the dead-letter queue (same as the CDK stack). @default 5 */
  maxReceiveCount: 5,
  /** Workers' long-poll wait: short, so that stopping a worker is quick. @default 2 */
  pollWaitSeconds: 2,
  /** Workers' drain budget on stop. @default 10 */
  drainSeconds: 10,
  /** REPLs per worker process. @default - 2 on the double, 1 with Lean (a Mathlib REPL takes GiBs) */
  replsPerWorker: undefined as number | undefined,
} as const;

/** Options of {@link startLocalCluster}. */
export interface LocalClusterOptions {
  /** Worker processes per fleet, scaled between these by the backlog rule. */
  workers: { min: number; max: number };
  /** API port (0: any free port). @default 8787 */
  port?: number;
  /** Run on the REPL double even when Lean is installed. @default false */
  simulate?: boolean;
  /** fauxqs persistence directory: queued jobs and results survive a restart of the local stack. @default - in memory */
  dataDir?: string;
  /** @default ["default"] */
  fleets?: string[];
  /** Start the API process. @default true */
  api?: boolean;
  /** Where worker and API logs go (one file each). @default - `<dataDir>/logs`, else a new temp directory */
  logDir?: string;
  awsPort?: number;
  bucket?: string;
  visibilitySeconds?: number;
  maxReceiveCount?: number;
  pollWaitSeconds?: number;
  drainSeconds?: number;
  replsPerWorker?: number;
  scaling?: Partial<LocalScaling>;
  /** Extra environment for worker processes (e.g. LEANFLEET_DOUBLE_FLAGS). */
  workerEnv?: Record<string, string>;
  /** Extra environment for one fleet's workers, over `workerEnv` (e.g. another double `--lean-version` per fleet). @default {} */
  fleetWorkerEnv?: Record<string, Record<string, string>>;
  /** Where the one-line notices go (no Lean found, ...). @default - stderr */
  onNotice?: (line: string) => void;
  /** Supervisor log. @default - pino to `<logDir>/cluster.log` */
  logger?: Logger;
}

/** A running local cluster. */
export interface LocalCluster extends ClusterStatus {
  /** The API's base URL (null when started with `api: false`). */
  endpoint: string | null;
  /** fauxqs base URL (SQS and S3). */
  awsEndpoint: string;
  region: string;
  bucket: string;
  /** Queue URLs per fleet. */
  fleets: Record<string, { queueUrl: string; dlqUrl: string }>;
  /** True when the workers run the REPL double. */
  simulated: boolean;
  /** Notices printed at start (e.g. that no Lean was found). */
  notices: string[];
  logDir: string;
  /** URL of the status endpoint (`GET` → {@link ClusterSnapshot}). */
  statusUrl: string;
  /** Value prefix of LEANFLEET_LOCAL_TAG carried by every process of this cluster (see process-sweep.ts). */
  tag: string;
  /** The supervisors (tests inspect and kill workers through them). */
  supervisors: Record<string, FleetSupervisor<WorkerProcess>>;
  /** Queue depths, task counts and the process table. */
  status(): Promise<ClusterSnapshot>;
  /** Stop everything (workers drain first); no process is left. Idempotent. */
  close(): Promise<void>;
}

/** The one line shown when no Lean REPL is installed. */
export function noLeanNotice(reason: string): string {
  return (
    `LeanFleet: no Lean REPL found (${reason}) - running on the REPL double, every result is marked "simulated". ` +
    `To check real Lean: install elan (curl https://raw.githubusercontent.com/leanprover/elan/master/elan-init.sh -sSf | sh), ` +
    `build https://github.com/augustepoiroux/repl at your toolchain's tag, then export LEANFLEET_REPL=<repl>/.lake/build/bin/repl LEANFLEET_PROJECT_DIR=<your Lake project>.`
  );
}

/** The error for a fleet name that queues, jobs and the API would refuse: the field, the value and a name that works. */
export function fleetNameError(field: string, name: string): string {
  const suggestion =
    name
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, "-")
      .replace(/^-+/, "")
      .slice(0, 40) || "default";
  return `${field}: ${JSON.stringify(name)} is not a fleet name; fleet names must be lowercase letters, digits and "-" (not first), at most 40 characters: use e.g. ${JSON.stringify(suggestion)}`;
}

/** The fleets to run, after checking their names and the worker bounds (RangeError naming the option). */
export function checkedFleets(options: LocalClusterOptions): string[] {
  const fleets = [...(options.fleets ?? LOCAL_CLUSTER_DEFAULTS.fleets)];
  for (const fleet of fleets) {
    if (!FLEET_PATTERN.test(fleet)) throw new RangeError(fleetNameError("fleets", fleet));
  }
  const { min, max } = options.workers;
  if (!Number.isInteger(min) || !Number.isInteger(max) || min < 0 || max < Math.max(1, min)) {
    throw new RangeError(`workers must be MIN..MAX with 0 <= MIN <= MAX and MAX >= 1, got ${min}..${max}`);
  }
  return fleets;
}
