// Composition root of the worker process (the ECS container's entry point, and each local-cluster worker): parse
// the environment once, build the AWS adapters and the REPL set, start the worker, stop it in order on SIGTERM.
import { readFileSync } from "node:fs";
import pino, { type Logger } from "pino";
import { ReplPool, type LeanReplConfig } from "../repl/index.js";
import { createAwsClients, EcsTaskProtection, NoopTaskProtection, S3ObjectStore, SqsJobQueue } from "../aws/index.js";
import type { ObjectStore } from "../core/index.js";
import { parseAdvisories } from "../environment/index.js";
import { parseWorkerConfig, WORKER_DEFAULTS, type WorkerConfig } from "./config.js";
import { WorkerConfigError } from "./errors.js";
import { establishEnvironment, type WorkerEnvironment } from "./environment.js";
import {
  buildVerification,
  comparatorSetup,
  replConfig,
  withRecordedLeanVersion,
  type ComparatorSetup,
} from "./repl-setup.js";
import { onTerminate } from "./shutdown.js";
import { Worker } from "./worker.js";

/** The validated configuration; a malformed environment is reported on stderr and exits 2 (no retry helps). */
function readConfig(): WorkerConfig {
  try {
    return parseWorkerConfig(process.env);
  } catch (err) {
    if (!(err instanceof WorkerConfigError)) throw err;
    process.stderr.write(`leanfleet worker: ${err.message}\n`);
    process.exit(2);
  }
}

/** Anything that escapes ends the process: the service starts a new worker and redelivers what was unacknowledged. */
function exitOnCrash(logger: Logger): void {
  process.on("uncaughtException", (err) => {
    logger.fatal(
      { err },
      "uncaught exception: exiting (the service starts a new worker; unacknowledged messages are redelivered)",
    );
    process.exit(1);
  });
  process.on("unhandledRejection", (err) => {
    logger.fatal({ err }, "unhandled rejection: exiting");
    process.exit(1);
  });
}

/** The SQS queue, S3 store and task protection of this worker (fauxqs when LEANFLEET_AWS_ENDPOINT is set). */
function buildAdapters(config: WorkerConfig) {
  const clients = createAwsClients({
    ...(config.awsEndpoint ? { endpoint: config.awsEndpoint } : {}),
    region: config.region,
  });
  const queue = new SqsJobQueue({
    client: clients.sqs,
    queueUrl: config.queueUrl,
    ackBatchWindowMs: WORKER_DEFAULTS.ackBatchWindowMs,
  });
  const store = new S3ObjectStore({
    client: clients.s3,
    bucket: config.bucket,
    conditionalWrites: clients.local ? "head-then-put" : "native",
  });
  const protection = config.inEcs ? new EcsTaskProtection({ client: clients.ecs }) : new NoopTaskProtection();
  return { clients, queue, store, protection };
}

/** What checks this fleet's verdicts, read once from what runs; on another toolchain or project than declared: stop. */
function readWorkerEnvironment(
  config: WorkerConfig,
  store: ObjectStore,
  repl: LeanReplConfig,
  comparator: ComparatorSetup,
): Promise<WorkerEnvironment> {
  return establishEnvironment({
    fleet: config.fleet,
    workerId: config.workerId,
    store,
    ...(config.advisoriesFile
      ? { advisories: parseAdvisories(readFileSync(config.advisoriesFile, "utf8"), config.advisoriesFile) }
      : {}),
    expect: {
      ...(config.expectToolchain ? { toolchain: config.expectToolchain } : {}),
      ...(config.expectProjectRev ? { projectRev: config.expectProjectRev } : {}),
    },
    read: {
      simulated: repl.simulated,
      ...(repl.argv ? { replArgv: repl.argv } : {}),
      ...(repl.replPath ? { replPath: repl.replPath } : {}),
      replFlavor: repl.replSupportsIncrementality === true ? "fork" : "upstream",
      ...(repl.projectDir ? { projectDir: repl.projectDir } : {}),
      comparator: comparator.command,
      comparatorIsDouble: comparator.isStandIn,
    },
  });
}

/** Start the REPL set, then the worker; a SIGTERM during start-up closes the pool and shutdown exits. */
async function start(worker: Worker, pool: ReplPool, stopping: () => boolean, logger: Logger, env: string) {
  const t0 = Date.now();
  try {
    await pool.start();
  } catch (err) {
    if (stopping()) return;
    throw err;
  }
  await worker.start();
  logger.info(
    {
      healthPort: worker.healthPort ?? null,
      repls: pool.size,
      simulated: pool.config.simulated,
      leanVersion: pool.config.leanVersion ?? null,
      env,
      startMs: Date.now() - t0,
      pid: process.pid,
    },
    "worker ready",
  );
}

/** The REPL configuration; a contradictory environment (simulated without a REPL command) exits 2 like readConfig. */
function configuredRepl(config: WorkerConfig): LeanReplConfig {
  try {
    return replConfig(config);
  } catch (err) {
    if (!(err instanceof WorkerConfigError)) throw err;
    process.stderr.write(`leanfleet worker: ${err.message}\n`);
    process.exit(2);
  }
}

async function main(): Promise<void> {
  const config = readConfig();
  const logger = pino({ level: config.logLevel, base: { workerId: config.workerId, fleet: config.fleet } });
  exitOnCrash(logger);
  const { clients, queue, store, protection } = buildAdapters(config);
  const comparator = comparatorSetup(config);
  const repl = configuredRepl(config);
  const environment = await readWorkerEnvironment(config, store, repl, comparator);
  logger.info({ env: environment.id, advisories: environment.advisories, record: environment.record }, "environment");
  const pool = new ReplPool(withRecordedLeanVersion(repl, environment.record), {
    size: config.replCount,
    prewarmHeader: config.prewarmHeader ?? null,
  });
  const worker = new Worker({
    queue,
    store,
    runner: pool,
    verification: buildVerification(config, pool, comparator),
    protection,
    logger,
    fleet: config.fleet,
    workerId: config.workerId,
    simulated: pool.config.simulated,
    env: environment.id,
    advisories: environment.advisories,
    capacity: pool.size,
    pollWaitSeconds: config.pollWaitSeconds,
    prefetch: config.prefetch,
    // fauxqs ignores If-None-Match (so a conditional put is HEAD + PUT) and never duplicates a first delivery.
    conditionalFirstWrite: !clients.local,
    visibilitySeconds: config.visibilitySeconds,
    drainSeconds: config.drainSeconds,
    healthPort: config.healthPort,
  });
  let stopping = false;
  onTerminate(
    async () => {
      stopping = true;
      await worker.close();
      clients.destroy();
    },
    { logger, exitWithParent: config.exitWithParent },
  );
  await start(worker, pool, () => stopping, logger, environment.id);
}

try {
  await main();
} catch (err) {
  // Cannot start (no REPL, REPL setup failed...): say why and exit non-zero so the service retries with backoff.
  pino().fatal({ err }, `worker cannot start: ${(err as Error).message}`);
  process.exit(1);
}
