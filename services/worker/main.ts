// Composition root of the worker process (the ECS container's entry point, and each local-cluster worker): parse
// the environment once, build the AWS adapters and the REPL set, start the worker, stop it in order on SIGTERM.
import { readFileSync } from "node:fs";
import pino from "pino";
import { detectRepl, doubleConfig, ReplPool } from "../repl/index.js";
import { createAwsClients, EcsTaskProtection, NoopTaskProtection, S3ObjectStore, SqsJobQueue } from "../aws/index.js";
import { parseWorkerConfig, WORKER_DEFAULTS, type WorkerConfig } from "./config.js";
import { WorkerConfigError } from "./errors.js";
import { parseAdvisories } from "../environment/index.js";
import { establishEnvironment } from "./environment.js";
import { onTerminate } from "./shutdown.js";
import { Worker } from "./worker.js";
import { comparatorDoubleCommand, FastAuditor, resolveComparator, StrictChecker } from "../verify/index.js";
import type { VerificationDeps } from "./verification.js";

/** The comparator command the fleet runs (the double when simulated and none is configured), or null. */
function comparatorCommand(config: WorkerConfig): { command: string[] | null; isDouble: boolean } {
  const isDouble = config.simulate && config.comparator === undefined;
  const command = isDouble
    ? comparatorDoubleCommand(
        config.doubleFlags.filter((f, i, a) => f === "--lean-version" || a[i - 1] === "--lean-version"),
      )
    : resolveComparator(config.comparator);
  return { command, isDouble };
}

/** The fast audit on the pool, and the strict stage when the fleet has comparator (the double when simulated). */
function buildVerification(config: WorkerConfig, pool: ReplPool): VerificationDeps {
  const { command } = comparatorCommand(config);
  const strict =
    command === null
      ? null
      : new StrictChecker({
          command,
          projectDir: config.projectDir ?? null,
          ...(config.strictMemoryMiB ? { memoryLimitMiB: config.strictMemoryMiB } : {}),
          // The comparator double is a Node process: RLIMIT_AS would stop it reserving its heap (RSS watchdog only).
          ...(config.simulate && config.comparator === undefined ? { addressSpaceLimitMiB: null } : {}),
        });
  return { auditor: new FastAuditor(pool), strict };
}

/** Build the REPL set the configuration asks for: the double with LEANFLEET_SIMULATE=1, else a detected Lean REPL. */
function buildPool(config: WorkerConfig): ReplPool {
  const limits = config.replMemoryMiB !== undefined ? { memoryHardLimitMiB: config.replMemoryMiB } : {};
  if (config.simulate)
    return new ReplPool(doubleConfig({ flags: config.doubleFlags, ...limits }), {
      size: config.replCount,
      prewarmHeader: config.prewarmHeader ?? null,
    });
  const found = detectRepl({
    ...limits,
    ...(config.replPath ? { replPath: config.replPath } : {}),
    ...(config.projectDir ? { projectDir: config.projectDir } : {}),
  });
  if (!found.ok) throw found.error;
  return new ReplPool(found.config, { size: config.replCount, prewarmHeader: config.prewarmHeader ?? null });
}

async function main(): Promise<void> {
  let config: WorkerConfig;
  try {
    config = parseWorkerConfig(process.env);
  } catch (err) {
    if (!(err instanceof WorkerConfigError)) throw err;
    process.stderr.write(`leanfleet worker: ${err.message}\n`);
    process.exit(2);
  }
  const logger = pino({ level: config.logLevel, base: { workerId: config.workerId, fleet: config.fleet } });
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
  const pool = buildPool(config);
  // What checks this fleet's verdicts, read once from what runs; on another toolchain or project than declared: stop.
  const comparator = comparatorCommand(config);
  const environment = await establishEnvironment({
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
      simulated: pool.config.simulated,
      ...(pool.config.argv ? { replArgv: pool.config.argv } : {}),
      ...(pool.config.replPath ? { replPath: pool.config.replPath } : {}),
      replFlavor: pool.config.replSupportsIncrementality === true ? "fork" : "upstream",
      ...(pool.config.projectDir ? { projectDir: pool.config.projectDir } : {}),
      comparator: comparator.command,
      comparatorIsDouble: comparator.isDouble,
    },
  });
  logger.info({ env: environment.id, advisories: environment.advisories, record: environment.record }, "environment");
  const worker = new Worker({
    queue,
    store,
    runner: pool,
    verification: buildVerification(config, pool),
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
  const t0 = Date.now();
  try {
    await pool.start();
  } catch (err) {
    if (stopping) return; // SIGTERM during start-up closed the pool; shutdown exits
    throw err;
  }
  await worker.start();
  logger.info(
    {
      healthPort: worker.healthPort ?? null,
      repls: pool.size,
      simulated: pool.config.simulated,
      leanVersion: pool.config.leanVersion ?? null,
      env: environment.id,
      startMs: Date.now() - t0,
      pid: process.pid,
    },
    "worker ready",
  );
}

try {
  await main();
} catch (err) {
  // Cannot start (no REPL, REPL setup failed...): say why and exit non-zero so the service retries with backoff.
  pino().fatal({ err }, `worker cannot start: ${(err as Error).message}`);
  process.exit(1);
}
