// `npm start`: the whole pipeline on one machine. fauxqs (SQS + S3) on loopback, a bucket and per fleet a queue with
// its dead-letter queue, the API as its own process, and worker processes per fleet scaled by the cloud's backlog
// rule. Lean is found as the REPL layer finds it; without Lean every worker runs the REPL double (results simulated).
import { randomUUID } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startFauxqs } from "fauxqs";
import pino, { type Logger } from "pino";
import { API_ENV, LOCAL_PORT_ENV } from "../../functions/api/index.js";
import { detectRepl } from "../repl/index.js";
import { createAwsClients, S3ObjectStore, SqsJobQueue, type AwsClients } from "../aws/index.js";
import { WORKER_ENV } from "../worker/index.js";
import { clusterSnapshot } from "./cluster-snapshot.js";
import { CLUSTER_STATUS_URL_ENV, serveClusterStatus, type TaskCounts } from "./cluster-status.js";
import { type FleetSupervisor, LOCAL_SCALING_DEFAULTS, type LocalScaling } from "./fleet-supervisor.js";
import { startFleetSupervisors } from "./fleet-workers.js";
import { startApiProcess } from "./api-launcher.js";
import { startDeadLetterLoop } from "./dead-letter-loop.js";
import { ensureQueue } from "./fauxqs-resources.js";
import {
  checkedFleets,
  LOCAL_CLUSTER_DEFAULTS,
  noLeanNotice,
  type LocalCluster,
  type LocalClusterOptions,
} from "./local-cluster-options.js";
import { killTagged, LOCAL_TAG_ENV } from "./process-sweep.js";
import type { WorkerProcess } from "./worker-process.js";
import { ensureWritableDir } from "./writable-dir.js";

/** The options with every default filled in. */
type Settings = Omit<LocalClusterOptions, "fleets"> &
  Record<"port" | "awsPort" | "visibilitySeconds" | "maxReceiveCount" | "pollWaitSeconds" | "drainSeconds", number> & {
    bucket: string;
    replsPerWorker: number;
  };

/** Everything the start-up steps share. */
interface StartContext {
  o: Settings;
  fleets: string[];
  clusterId: string;
  scaling: LocalScaling;
  logDir: string;
  logger: Logger;
  simulated: boolean;
  notices: string[];
  leanEnv: Record<string, string>;
  /** Undone in reverse order by {@link runCleanups}. */
  cleanups: Array<() => Promise<unknown> | unknown>;
}

/** fauxqs and what runs on it. */
interface AwsParts {
  awsEndpoint: string;
  region: string;
  clients: AwsClients;
  queues: Record<string, { queueUrl: string; dlqUrl: string }>;
}

/** The log directory (checked writable) and the supervisor's logger. */
function setUpLogs(options: LocalClusterOptions, clusterId: string): { logDir: string; logger: Logger } {
  if (options.dataDir) ensureWritableDir(options.dataDir, "dataDir");
  const logDir =
    options.logDir ??
    (options.dataDir ? join(options.dataDir, "logs") : mkdtempSync(join(tmpdir(), "leanfleet-logs-")));
  ensureWritableDir(logDir, "logDir");
  const logger = options.logger ?? pino({ base: { clusterId } }, quietDestination(join(logDir, "cluster.log")));
  return { logDir, logger };
}

/** Lean if it is installed and not `simulate`; else the doubles, with a notice saying why when Lean was wanted. */
function chooseRepl(options: LocalClusterOptions) {
  const notices: string[] = [];
  const leanEnv: Record<string, string> = {};
  if (options.simulate ?? false) return { simulated: true, leanEnv, notices };
  const found = detectRepl();
  if (found.ok) {
    if (found.config.replPath) leanEnv[WORKER_ENV.repl] = found.config.replPath;
    if (found.config.projectDir) leanEnv[WORKER_ENV.projectDir] = found.config.projectDir;
    return { simulated: false, leanEnv, notices };
  }
  const problems = found.error.details.problems;
  const line = noLeanNotice(
    Array.isArray(problems) && problems.length > 0 ? problems.map(String).join("; ") : found.error.message,
  );
  notices.push(line);
  (options.onNotice ?? ((l: string) => process.stderr.write(l + "\n")))(line);
  return { simulated: true, leanEnv, notices };
}

/** Start fauxqs with the bucket and every fleet's queues, and the clients that talk to it. */
async function startAws(c: StartContext): Promise<AwsParts> {
  const server = await startFauxqs({
    port: c.o.awsPort,
    host: "127.0.0.1",
    logger: false,
    ...(c.o.dataDir ? { dataDir: c.o.dataDir } : {}),
  });
  c.cleanups.push(() => server.stop());
  const awsEndpoint = `http://127.0.0.1:${server.port}`;
  const region = "us-east-1";
  const clients = createAwsClients({ endpoint: awsEndpoint, region });
  c.cleanups.push(() => clients.destroy());
  server.createBucket(c.o.bucket);
  const queues: AwsParts["queues"] = {};
  for (const fleet of c.fleets) queues[fleet] = ensureQueue(server, fleet, c.o.visibilitySeconds, c.o.maxReceiveCount);
  return { awsEndpoint, region, clients, queues };
}

/** Start the API process on the cluster's queues and status endpoint; returns its URL. */
async function startApi(c: StartContext, aws: AwsParts, commonEnv: Record<string, string>, statusUrl: string) {
  const api = await startApiProcess({
    env: {
      ...commonEnv,
      [API_ENV.queueUrls]: JSON.stringify(Object.fromEntries(c.fleets.map((f) => [f, aws.queues[f]!.queueUrl]))),
      [LOCAL_PORT_ENV]: String(c.o.port),
      [API_ENV.simulate]: c.simulated ? "1" : "0",
      [CLUSTER_STATUS_URL_ENV]: statusUrl,
      [LOCAL_TAG_ENV]: `${c.clusterId}:api`,
    },
    logFile: join(c.logDir, "api.log"),
  });
  c.cleanups.push(() => api.stop());
  return api.url;
}

/** Workers of every fleet start at the minimum; a timer then follows the backlog (one tick at a time). */
function startScaling(c: StartContext, supervisors: Record<string, FleetSupervisor<WorkerProcess>>): void {
  for (const s of Object.values(supervisors)) s.reconcile();
  let ticking = false;
  const timer = setInterval(() => {
    if (ticking) return;
    ticking = true;
    void Promise.all(
      Object.values(supervisors).map((s) =>
        s.tick().catch((err: unknown) => c.logger.error({ err }, "scaling tick failed")),
      ),
    ).finally(() => (ticking = false));
  }, c.scaling.intervalMs);
  c.cleanups.push(() => clearInterval(timer));
}

/** Every fleet's supervisor, spawning workers on this cluster's queues; closing them drains their workers. */
function startWorkers(c: StartContext, aws: AwsParts, commonEnv: Record<string, string>) {
  const { o } = c;
  const supervisors = startFleetSupervisors({
    clusterId: c.clusterId,
    queues: aws.queues,
    clients: aws.clients,
    workers: o.workers,
    scaling: c.scaling,
    logger: c.logger,
    logDir: c.logDir,
    commonEnv,
    leanEnv: c.leanEnv,
    simulated: c.simulated,
    replsPerWorker: o.replsPerWorker,
    visibilitySeconds: o.visibilitySeconds,
    pollWaitSeconds: o.pollWaitSeconds,
    drainSeconds: o.drainSeconds,
    ...(o.workerEnv ? { workerEnv: o.workerEnv } : {}),
    ...(o.fleetWorkerEnv ? { fleetWorkerEnv: o.fleetWorkerEnv } : {}),
  });
  c.cleanups.push(async () => {
    await Promise.all(Object.values(supervisors).map((s) => s.close()));
  });
  return supervisors;
}

/** The handle of a started cluster; `close()` undoes every start-up step once. */
function clusterHandle(
  c: StartContext,
  aws: AwsParts,
  parts: Pick<LocalCluster, "supervisors" | "statusUrl"> & { apiUrl: string | null; snapshot: LocalCluster["status"] },
): LocalCluster {
  const { supervisors } = parts;
  let closing: Promise<void> | undefined;
  return {
    endpoint: parts.apiUrl,
    awsEndpoint: aws.awsEndpoint,
    region: aws.region,
    bucket: c.o.bucket,
    fleets: aws.queues,
    simulated: c.simulated,
    notices: c.notices,
    logDir: c.logDir,
    statusUrl: parts.statusUrl,
    tag: `${c.clusterId}:`,
    supervisors,
    status: parts.snapshot,
    async tasks(fleet: string): Promise<TaskCounts | undefined> {
      return supervisors[fleet]?.counts();
    },
    close() {
      closing ??= runCleanups(c);
      return closing;
    },
  };
}

/** Start every part in order; each registers how it is undone in `c.cleanups`. */
async function startParts(c: StartContext): Promise<LocalCluster> {
  const { o } = c;
  const aws = await startAws(c);
  const commonEnv: Record<string, string> = {
    ...stringEnv(process.env),
    AWS_REGION: aws.region,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    [WORKER_ENV.awsEndpoint]: aws.awsEndpoint,
    [WORKER_ENV.bucket]: o.bucket,
  };
  const supervisors = startWorkers(c, aws, commonEnv);
  const deadLetterQueues = Object.fromEntries(
    c.fleets.map((f) => [f, new SqsJobQueue({ client: aws.clients.sqs, queueUrl: aws.queues[f]!.dlqUrl })]),
  );
  const store = new S3ObjectStore({ client: aws.clients.s3, bucket: o.bucket, conditionalWrites: "head-then-put" });
  c.cleanups.push(startDeadLetterLoop(deadLetterQueues, store, { simulated: c.simulated, logger: c.logger }));
  let apiUrl: string | null = null;
  const snapshot = clusterSnapshot({
    ...aws,
    simulated: c.simulated,
    apiUrl: () => apiUrl,
    bucket: o.bucket,
    supervisors,
    deadLetterQueues,
    store,
    workers: o.workers,
  });
  const status = await serveClusterStatus(snapshot);
  c.cleanups.push(() => status.close());
  if (o.api ?? true) apiUrl = await startApi(c, aws, commonEnv, status.url);
  startScaling(c, supervisors);
  // Last: anything still carrying this cluster's tag (orphans of killed workers) is killed.
  c.cleanups.unshift(() => killTagged(`${c.clusterId}:`, { prefix: true }));
  c.logger.info(
    { apiUrl, awsEndpoint: aws.awsEndpoint, fleets: aws.queues, simulated: c.simulated, logDir: c.logDir },
    "local cluster started",
  );
  return clusterHandle(c, aws, { apiUrl, statusUrl: status.url, supervisors, snapshot });
}

/** Undo what started, last first; a failing step is logged and the next still runs. */
async function runCleanups(c: StartContext): Promise<void> {
  for (const undo of c.cleanups.splice(0).reverse())
    await Promise.resolve(undo()).catch((err: unknown) => c.logger.error({ err }, "cleanup step failed"));
}

/** Start the local cluster. Rejects (after cleaning up) if a part cannot start, e.g. the API port is taken. */
export async function startLocalCluster(options: LocalClusterOptions): Promise<LocalCluster> {
  const fleets = checkedFleets(options);
  const clusterId = randomUUID().slice(0, 8);
  const { logDir, logger } = setUpLogs(options, clusterId);
  const { simulated, leanEnv, notices } = chooseRepl(options);
  const o: Settings = {
    ...LOCAL_CLUSTER_DEFAULTS,
    ...options,
    replsPerWorker: options.replsPerWorker ?? (simulated ? 2 : 1),
  };
  const scaling: LocalScaling = { ...LOCAL_SCALING_DEFAULTS, ...options.scaling };
  const c: StartContext = { o, fleets, clusterId, scaling, logDir, logger, simulated, notices, leanEnv, cleanups: [] };
  try {
    return await startParts(c);
  } catch (err) {
    await runCleanups(c);
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
