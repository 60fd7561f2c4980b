// `npm start`: the whole pipeline on one machine. fauxqs (SQS + S3) on loopback, a bucket and per fleet a queue with
// its dead-letter queue, the API as its own process, and worker processes per fleet scaled by the cloud's backlog
// rule. Lean is found as the REPL layer finds it; without Lean every worker runs the REPL double (results simulated).
import { randomUUID } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { startFauxqs, type FauxqsServer } from "fauxqs";
import pino, { type Logger } from "pino";
import { API_ENV, DEFAULT_LOCAL_PORT, FLEET_PATTERN, LOCAL_PORT_ENV } from "../../functions/api/index.js";
import { detectRepl } from "../repl/index.js";
import { countDeadLettered } from "../dead-letter/index.js";
import { createAwsClients, S3ObjectStore, SqsJobQueue, type AwsClients } from "../aws/index.js";
import { WORKER_ENV } from "../worker/index.js";
import {
  CLUSTER_STATUS_URL_ENV,
  serveClusterStatus,
  type ClusterSnapshot,
  type ClusterStatus,
  type TaskCounts,
} from "./cluster-status.js";
import { FleetSupervisor, LOCAL_SCALING_DEFAULTS, type LocalScaling } from "./fleet-supervisor.js";
import { startApiProcess } from "./api-launcher.js";
import { startDeadLetterLoop } from "./dead-letter-loop.js";
import { ensureQueue } from "./fauxqs-resources.js";
import { killTagged, LOCAL_TAG_ENV } from "./process-sweep.js";
import { WorkerProcess } from "./worker-process.js";
import { ensureWritableDir } from "./writable-dir.js";

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

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

/** Start the local cluster. Rejects (after cleaning up) if a part cannot start, e.g. the API port is taken. */
export async function startLocalCluster(options: LocalClusterOptions): Promise<LocalCluster> {
  const o = { ...LOCAL_CLUSTER_DEFAULTS, ...options };
  const fleets = [...(options.fleets ?? LOCAL_CLUSTER_DEFAULTS.fleets)];
  for (const fleet of fleets) {
    if (!FLEET_PATTERN.test(fleet)) throw new RangeError(fleetNameError("fleets", fleet));
  }
  const { min, max } = options.workers;
  if (!Number.isInteger(min) || !Number.isInteger(max) || min < 0 || max < Math.max(1, min)) {
    throw new RangeError(`workers must be MIN..MAX with 0 <= MIN <= MAX and MAX >= 1, got ${min}..${max}`);
  }
  const scaling: LocalScaling = { ...LOCAL_SCALING_DEFAULTS, ...options.scaling };
  const clusterId = randomUUID().slice(0, 8);
  if (options.dataDir) ensureWritableDir(options.dataDir, "dataDir");
  const logDir =
    options.logDir ??
    (options.dataDir ? join(options.dataDir, "logs") : mkdtempSync(join(tmpdir(), "leanfleet-logs-")));
  ensureWritableDir(logDir, "logDir");
  const logger = options.logger ?? pino({ base: { clusterId } }, quietDestination(join(logDir, "cluster.log")));
  const notice = options.onNotice ?? ((line: string) => process.stderr.write(line + "\n"));
  const notices: string[] = [];

  // Lean or the double.
  let simulated = options.simulate ?? false;
  const leanEnv: Record<string, string> = {};
  if (!simulated) {
    const found = detectRepl();
    if (found.ok) {
      if (found.config.replPath) leanEnv[WORKER_ENV.repl] = found.config.replPath;
      if (found.config.projectDir) leanEnv[WORKER_ENV.projectDir] = found.config.projectDir;
    } else {
      simulated = true;
      const problems = found.error.details.problems;
      const line = noLeanNotice(
        Array.isArray(problems) && problems.length > 0 ? problems.map(String).join("; ") : found.error.message,
      );
      notices.push(line);
      notice(line);
    }
  }
  const replsPerWorker = options.replsPerWorker ?? (simulated ? 2 : 1);

  const cleanups: Array<() => Promise<unknown> | unknown> = [];
  const cleanup = async () => {
    for (const c of cleanups.splice(0).reverse())
      await Promise.resolve(c()).catch((err: unknown) => logger.error({ err }, "cleanup step failed"));
  };
  try {
    const server: FauxqsServer = await startFauxqs({
      port: o.awsPort,
      host: "127.0.0.1",
      logger: false,
      ...(options.dataDir ? { dataDir: options.dataDir } : {}),
    });
    cleanups.push(() => server.stop());
    const awsEndpoint = `http://127.0.0.1:${server.port}`;
    const region = "us-east-1";
    const clients: AwsClients = createAwsClients({ endpoint: awsEndpoint, region });
    cleanups.push(() => clients.destroy());
    server.createBucket(o.bucket);
    const queues: Record<string, { queueUrl: string; dlqUrl: string }> = {};
    for (const fleet of fleets) queues[fleet] = ensureQueue(server, fleet, o.visibilitySeconds, o.maxReceiveCount);

    const commonEnv: Record<string, string> = {
      ...stringEnv(process.env),
      AWS_REGION: region,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
      [WORKER_ENV.awsEndpoint]: awsEndpoint,
      [WORKER_ENV.bucket]: o.bucket,
    };
    const supervisors: Record<string, FleetSupervisor<WorkerProcess>> = {};
    for (const fleet of fleets) {
      const queue = new SqsJobQueue({ client: clients.sqs, queueUrl: queues[fleet]!.queueUrl });
      supervisors[fleet] = new FleetSupervisor({
        fleet,
        queue,
        min,
        max,
        scaling,
        logger,
        spawn: (n) =>
          new WorkerProcess({
            workerId: `${fleet}-${n}`,
            fleet,
            args: ["--import", "tsx", join(REPO_ROOT, "services/worker/main.ts")],
            cwd: REPO_ROOT,
            tag: `${clusterId}:${fleet}-${n}`,
            logFile: join(logDir, `worker-${fleet}-${n}.log`),
            env: {
              ...commonEnv,
              ...leanEnv,
              [WORKER_ENV.fleet]: fleet,
              [WORKER_ENV.queueUrl]: queues[fleet]!.queueUrl,
              [WORKER_ENV.simulate]: simulated ? "1" : "0",
              [WORKER_ENV.replCount]: String(replsPerWorker),
              [WORKER_ENV.healthPort]: "0",
              [WORKER_ENV.visibilitySeconds]: String(o.visibilitySeconds),
              [WORKER_ENV.pollWaitSeconds]: String(o.pollWaitSeconds),
              [WORKER_ENV.drainSeconds]: String(o.drainSeconds),
              ...options.workerEnv,
              ...options.fleetWorkerEnv?.[fleet],
            },
          }),
      });
    }
    cleanups.push(async () => {
      await Promise.all(Object.values(supervisors).map((s) => s.close()));
    });

    const dlqs = Object.fromEntries(
      fleets.map((f) => [f, new SqsJobQueue({ client: clients.sqs, queueUrl: queues[f]!.dlqUrl })]),
    );
    const store = new S3ObjectStore({ client: clients.s3, bucket: o.bucket, conditionalWrites: "head-then-put" });
    cleanups.push(startDeadLetterLoop(dlqs, store, { simulated, logger }));
    let apiUrl: string | null = null;
    const snapshot = async (): Promise<ClusterSnapshot> => ({
      at: new Date().toISOString(),
      simulated,
      apiUrl,
      awsEndpoint,
      bucket: o.bucket,
      fleets: await Promise.all(
        fleets.map(async (fleet) => {
          const s = supervisors[fleet]!;
          const [queue, deadLetter, settled] = await Promise.all([
            s.depth ? Promise.resolve(s.depth) : Promise.resolve(null),
            dlqs[fleet]!.depth().catch(() => null),
            countDeadLettered(store, fleet).catch(() => null),
          ]);
          return {
            fleet,
            ...queues[fleet]!,
            queue,
            deadLetter,
            deadLettered: settled,
            tasks: { ...s.counts(), min, max, replaced: s.replaced },
            workers: [...s.workers].map((w) => ({
              workerId: w.workerId,
              pid: w.pid,
              state: w.state,
              startedAt: new Date(w.startedAtMs).toISOString(),
              healthPort: w.healthPort ?? null,
              jobsRunning: w.health?.jobsRunning ?? null,
              jobsDone: w.health?.jobsDone ?? null,
              replsAlive: w.health?.repls.alive ?? null,
              replRestarts: w.health?.repls.restarts ?? null,
            })),
          };
        }),
      ),
    });
    const status = await serveClusterStatus(snapshot);
    cleanups.push(() => status.close());

    if (options.api ?? true) {
      const api = await startApiProcess({
        env: {
          ...commonEnv,
          [API_ENV.queueUrls]: JSON.stringify(Object.fromEntries(fleets.map((f) => [f, queues[f]!.queueUrl]))),
          [LOCAL_PORT_ENV]: String(o.port),
          [API_ENV.simulate]: simulated ? "1" : "0",
          [CLUSTER_STATUS_URL_ENV]: status.url,
          [LOCAL_TAG_ENV]: `${clusterId}:api`,
        },
        logFile: join(logDir, "api.log"),
      });
      cleanups.push(() => api.stop());
      apiUrl = api.url;
    }

    // Workers of every fleet start at the minimum; the loop then follows the backlog.
    for (const s of Object.values(supervisors)) s.reconcile();
    let ticking = false;
    const timer = setInterval(() => {
      if (ticking) return;
      ticking = true;
      void Promise.all(
        Object.values(supervisors).map((s) =>
          s.tick().catch((err: unknown) => logger.error({ err }, "scaling tick failed")),
        ),
      ).finally(() => (ticking = false));
    }, scaling.intervalMs);
    cleanups.push(() => clearInterval(timer));
    // Last: anything still carrying this cluster's tag (orphans of killed workers) is killed.
    cleanups.unshift(() => killTagged(`${clusterId}:`, { prefix: true }));
    logger.info({ apiUrl, awsEndpoint, fleets: queues, simulated, logDir }, "local cluster started");

    let closing: Promise<void> | undefined;
    return {
      endpoint: apiUrl,
      awsEndpoint,
      region,
      bucket: o.bucket,
      fleets: queues,
      simulated,
      notices,
      logDir,
      statusUrl: status.url,
      tag: `${clusterId}:`,
      supervisors,
      status: snapshot,
      async tasks(fleet: string): Promise<TaskCounts | undefined> {
        return supervisors[fleet]?.counts();
      },
      close() {
        closing ??= cleanup();
        return closing;
      },
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}

/** A synchronous log file (the supervisor logs little) whose failures never take the supervisor down. */
function quietDestination(file: string): ReturnType<typeof pino.destination> {
  const dest = pino.destination({ dest: file, sync: true, mkdir: true });
  dest.on("error", () => undefined);
  return dest;
}

function stringEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => typeof e[1] === "string"));
}
