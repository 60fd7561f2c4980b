// The worker's environment: variable names (shared with cdk/ and the local cluster), defaults, and one zod parse.
import { hostname } from "node:os";
import { z } from "zod";
import { SHARED_ENV } from "../core/index.js";
import { defaultPoolSize, LEAN_REPL_DEFAULTS, REPL_ENV } from "../repl/index.js";
import { WorkerConfigError } from "./errors.js";

/** Names of the environment variables the worker reads (the CDK task definition and the local cluster set them). */
export const WORKER_ENV = {
  fleet: "LEANFLEET_FLEET",
  queueUrl: "LEANFLEET_QUEUE_URL",
  bucket: SHARED_ENV.bucket,
  awsEndpoint: SHARED_ENV.awsEndpoint,
  region: "AWS_REGION",
  replCount: "LEANFLEET_REPL_COUNT",
  replMemoryMiB: "LEANFLEET_REPL_MEMORY_MIB",
  projectDir: REPL_ENV.projectDir,
  repl: REPL_ENV.repl,
  /**
   * Optional: the REPL's whole command line as a JSON array of strings, run instead of finding one (LEANFLEET_REPL,
   * PATH); required with LEANFLEET_SIMULATE=1, where it is the stand-in REPL (`leanfleet up --simulate` passes the
   * REPL double's). @default - the REPL is found as LEANFLEET_REPL / LEANFLEET_PROJECT_DIR say
   */
  replCommand: "LEANFLEET_REPL_COMMAND",
  prewarmHeader: "LEANFLEET_PREWARM_HEADER",
  /** `1`: the REPL (and the comparator) are stand-ins: every result says `simulated: true`. @default 0 */
  simulate: SHARED_ENV.simulate,
  healthPort: "LEANFLEET_HEALTH_PORT",
  visibilitySeconds: "LEANFLEET_VISIBILITY_SECONDS",
  drainSeconds: "LEANFLEET_DRAIN_SECONDS",
  /** Optional: a name for logs and results. @default - the ECS task id, else `<hostname>-<pid>` */
  workerId: "LEANFLEET_WORKER_ID",
  /** Optional: long-poll wait of each receive. @default 20 */
  pollWaitSeconds: "LEANFLEET_POLL_WAIT_SECONDS",
  /** Optional: extra arguments appended to LEANFLEET_REPL_COMMAND (space separated), e.g. the REPL double's flags. @default "" */
  doubleFlags: "LEANFLEET_DOUBLE_FLAGS",
  /** Optional: messages received beyond the free REPLs (they wait in the REPL set's queue). @default 0 */
  prefetch: "LEANFLEET_PREFETCH",
  /** Optional: pino log level. @default "info" */
  logLevel: SHARED_ENV.logLevel,
  /** Optional: `1` makes the worker shut down when its stdin closes (the local cluster's supervisor died). @default 0 */
  exitWithParent: "LEANFLEET_EXIT_WITH_PARENT",
  /**
   * Optional: comparator for the strict stage: `none`, the comparator binary's path (run as `lake env PATH`), or a
   * JSON array (the command before the config path); with LEANFLEET_SIMULATE=1 it is a stand-in (no RLIMIT_AS, recorded
   * as simulated). @default - `comparator` on PATH, else none (strict jobs are rejected)
   */
  comparator: "LEANFLEET_COMPARATOR",
  /** Optional: memory limit of one comparator run, MiB. @default 8192 (STRICT_DEFAULTS.memoryLimitMiB) */
  strictMemoryMiB: "LEANFLEET_STRICT_MEMORY_MIB",
  /** Optional: the toolchain the fleet declares (e.g. `leanprover/lean4:v4.19.0`); the worker refuses to start on another. @default - not checked */
  expectToolchain: "LEANFLEET_EXPECT_TOOLCHAIN",
  /** Optional: the project commit the fleet declares (40 hex); the worker refuses to start on another. @default - not checked */
  expectProjectRev: "LEANFLEET_EXPECT_PROJECT_REV",
  /** Optional: an advisory list (JSON, as advisories/lean-advisories.json) instead of the shipped one. @default - the shipped list */
  advisoriesFile: "LEANFLEET_ADVISORIES",
} as const;

/** Defaults of the worker unit. */
export const WORKER_DEFAULTS = {
  /** AWS region when AWS_REGION is unset (local runs). @default "us-east-1" */
  region: "us-east-1",
  /** REPL processes per worker. @default - the REPL set's defaultPoolSize: min(CPUs, 0.8 x container memory / per-REPL memory) */
  replCount: undefined as number | undefined,
  /** HTTP port of the health endpoint (the image's HEALTHCHECK and the CDK stack use the same); 0 picks a free port. @default 8081 */
  healthPort: 8081,
  /** Lease of a received message; the heartbeat extends it by this much every third of it. Match the queue's VisibilityTimeout. @default 60 */
  visibilitySeconds: 60,
  /** At SIGTERM, time allowed for running jobs to finish before they are aborted and their messages released. Keep below the ECS stopTimeout (max 120 s). @default 100 */
  drainSeconds: 100,
  /** Long-poll wait of each receive. @default 20 */
  pollWaitSeconds: 20,
  /**
   * Messages received beyond the free REPLs, queued in the REPL set so a REPL never idles for a receive round trip.
   * 0 keeps "as many messages as free REPLs": right for Lean jobs of seconds or more, whose REPL-set wait could
   * pass its bound (such a job is released, not answered) and which other workers should get instead. @default 0
   */
  prefetch: 0,
  /**
   * Acks issued within this window share DeleteMessageBatch calls (the result is stored before the ack, so this
   * only keeps a finished message in flight a few ms longer). @default 5
   */
  ackBatchWindowMs: 5,
  /** Seconds a poison message (unparseable, or whose claim-checked input is missing) stays hidden before its next delivery; the redrive policy moves it to the dead-letter queue after maxReceiveCount deliveries. @default 1 */
  poisonRetryDelaySeconds: 1,
  /**
   * Write a `running/<jobId>` marker (for the API's job state) once a job has run this long; quick jobs finish
   * first and cost no marker writes. null: never. @default 1000
   */
  markRunningAfterMs: 1000 as number | null,
  /** Keep ECS scale-in protection this long after the last job ends, so back-to-back jobs do not flap it. @default 2000 */
  protectionReleaseDelayMs: 2000,
  /** Renew held task protection this often (it expires on its own after 120 min). @default 3600000 */
  protectionRenewMs: 60 * 60 * 1000,
} as const;

const boolFlag = z
  .enum(["0", "1", "true", "false", ""], { error: 'must be "1" or "0"' })
  .optional()
  .transform((v) => v === "1" || v === "true");
const intIn = (name: string, min: number, max: number) =>
  z
    .number({ error: `${name} must be an integer` })
    .int({ error: `${name} must be an integer` })
    .min(min, { error: `${name} must be at least ${min}` })
    .max(max, { error: `${name} must be at most ${max}` });
/** An optional integer variable: unset or blank means "use the default". */
const optionalInt = (name: string, min: number, max: number) =>
  z
    .string()
    .optional()
    .transform((v) => (v === undefined || v.trim() === "" ? undefined : Number(v)))
    .pipe(intIn(name, min, max).optional());
const optionalText = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === "" ? undefined : v));

/** An optional command line given as a JSON array of non-empty strings. */
const optionalArgv = optionalText.transform((v, ctx) => {
  if (v === undefined) return undefined;
  try {
    const argv = JSON.parse(v) as unknown;
    if (Array.isArray(argv) && argv.length > 0 && argv.every((s) => typeof s === "string" && s !== ""))
      return argv as string[];
  } catch {
    // reported below
  }
  ctx.addIssue({ code: "custom", message: 'must be a JSON array of strings, e.g. ["/opt/repl/bin/repl"]' });
  return z.NEVER;
});

const envSchema = z.object({
  [WORKER_ENV.fleet]: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{0,39}$/, { error: "must be a fleet name: lowercase letters, digits and dashes" }),
  [WORKER_ENV.queueUrl]: z
    .string()
    .regex(/^https?:\/\/\S+$/, { error: "must be the queue URL returned by CreateQueue / GetQueueUrl" }),
  [WORKER_ENV.bucket]: z.string().min(3, { error: "must be an S3 bucket name" }),
  [WORKER_ENV.awsEndpoint]: optionalText.pipe(
    z
      .string()
      .regex(/^https?:\/\/\S+$/, { error: "must be a URL such as http://127.0.0.1:4566" })
      .optional(),
  ),
  [WORKER_ENV.region]: optionalText.transform((v) => v ?? WORKER_DEFAULTS.region),
  [WORKER_ENV.replCount]: optionalInt(WORKER_ENV.replCount, 1, 512),
  [WORKER_ENV.replMemoryMiB]: optionalInt(WORKER_ENV.replMemoryMiB, 64, 1024 * 1024),
  [WORKER_ENV.projectDir]: optionalText,
  [WORKER_ENV.repl]: optionalText,
  [WORKER_ENV.replCommand]: optionalArgv,
  [WORKER_ENV.prewarmHeader]: optionalText,
  [WORKER_ENV.simulate]: boolFlag,
  [WORKER_ENV.healthPort]: z
    .string()
    .optional()
    .transform((v) => (v === undefined || v === "" ? String(WORKER_DEFAULTS.healthPort) : v))
    .transform((v) => (v === "off" ? ("off" as const) : Number(v)))
    .pipe(
      z.union([z.literal("off"), intIn(WORKER_ENV.healthPort, 0, 65535)], {
        error: `${WORKER_ENV.healthPort} must be a port number or "off"`,
      }),
    ),
  [WORKER_ENV.visibilitySeconds]: optionalInt(WORKER_ENV.visibilitySeconds, 3, 43_200),
  [WORKER_ENV.drainSeconds]: optionalInt(WORKER_ENV.drainSeconds, 0, 3600),
  [WORKER_ENV.workerId]: optionalText,
  [WORKER_ENV.pollWaitSeconds]: optionalInt(WORKER_ENV.pollWaitSeconds, 0, 20),
  [WORKER_ENV.doubleFlags]: optionalText,
  [WORKER_ENV.prefetch]: optionalInt(WORKER_ENV.prefetch, 0, 1000),
  [WORKER_ENV.logLevel]: z.enum(["trace", "debug", "info", "warn", "error", "fatal", "silent"]).optional(),
  [WORKER_ENV.exitWithParent]: boolFlag,
  [WORKER_ENV.comparator]: optionalText,
  [WORKER_ENV.strictMemoryMiB]: optionalInt(WORKER_ENV.strictMemoryMiB, 64, 1024 * 1024),
  [WORKER_ENV.expectToolchain]: optionalText,
  [WORKER_ENV.advisoriesFile]: optionalText,
  [WORKER_ENV.expectProjectRev]: optionalText.pipe(
    z
      .string()
      .regex(/^[0-9a-f]{40}$/, { error: "must be a commit: 40 lowercase hex digits" })
      .optional(),
  ),
  ECS_CONTAINER_METADATA_URI_V4: optionalText,
});

/** The worker's validated configuration. */
export interface WorkerConfig {
  fleet: string;
  queueUrl: string;
  bucket: string;
  /** Local SQS/S3 endpoint (fauxqs); absent in AWS. */
  awsEndpoint?: string;
  region: string;
  replCount: number;
  /** Per-REPL memory hard limit; absent: the REPL layer's default. */
  replMemoryMiB?: number;
  projectDir?: string;
  replPath?: string;
  /** The REPL's command line (LEANFLEET_REPL_COMMAND), before the appended `doubleFlags`. */
  replCommand?: string[];
  prewarmHeader?: string;
  simulate: boolean;
  /** Arguments appended to `replCommand`. */
  doubleFlags: string[];
  /** Health endpoint port, or null when disabled (`off`). */
  healthPort: number | null;
  visibilitySeconds: number;
  drainSeconds: number;
  pollWaitSeconds: number;
  prefetch: number;
  workerId: string;
  logLevel: string;
  exitWithParent: boolean;
  /** True inside an ECS task (metadata endpoint present): use ECS task protection. */
  inEcs: boolean;
  /** LEANFLEET_COMPARATOR as given (resolved by the composition root). */
  comparator?: string;
  strictMemoryMiB?: number;
  /** The toolchain the fleet declares (checked against `lean --version` at start). */
  expectToolchain?: string;
  /** The project commit the fleet declares (checked against the project's checkout at start). */
  expectProjectRev?: string;
  /** Path of an advisory list replacing the shipped one. */
  advisoriesFile?: string;
}

/** Parse and validate the worker environment once; throws {@link WorkerConfigError} naming the variable and the fix. */
export function parseWorkerConfig(env: NodeJS.ProcessEnv = process.env): WorkerConfig {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const name = String(issue.path[0] ?? "");
    const value = env[name];
    const problem = value === undefined ? " is required but not set" : `=${JSON.stringify(value)}: ${issue.message}`;
    throw new WorkerConfigError(`${name}${problem}; set it in the task definition or the environment`);
  }
  const e = parsed.data;
  const metadata = e.ECS_CONTAINER_METADATA_URI_V4;
  const taskId = metadata ? /\/v4\/([0-9a-f]{32})/.exec(metadata)?.[1] : undefined;
  const visibilitySeconds = e[WORKER_ENV.visibilitySeconds] ?? WORKER_DEFAULTS.visibilitySeconds;
  const health = e[WORKER_ENV.healthPort];
  return {
    fleet: e[WORKER_ENV.fleet],
    queueUrl: e[WORKER_ENV.queueUrl],
    bucket: e[WORKER_ENV.bucket],
    ...(e[WORKER_ENV.awsEndpoint] ? { awsEndpoint: e[WORKER_ENV.awsEndpoint] } : {}),
    region: e[WORKER_ENV.region],
    // Unset: the REPL set's own rule, min(CPUs, container memory x 0.8 / per-REPL memory), the one the CDK plans with.
    replCount:
      e[WORKER_ENV.replCount] ??
      WORKER_DEFAULTS.replCount ??
      defaultPoolSize({ perReplMemoryMiB: e[WORKER_ENV.replMemoryMiB] ?? LEAN_REPL_DEFAULTS.memoryHardLimitMiB }),
    ...(e[WORKER_ENV.replMemoryMiB] ? { replMemoryMiB: e[WORKER_ENV.replMemoryMiB] } : {}),
    ...(e[WORKER_ENV.projectDir] ? { projectDir: e[WORKER_ENV.projectDir] } : {}),
    ...(e[WORKER_ENV.repl] ? { replPath: e[WORKER_ENV.repl] } : {}),
    ...(e[WORKER_ENV.replCommand] ? { replCommand: e[WORKER_ENV.replCommand] } : {}),
    ...(e[WORKER_ENV.prewarmHeader] ? { prewarmHeader: e[WORKER_ENV.prewarmHeader] } : {}),
    simulate: e[WORKER_ENV.simulate],
    doubleFlags: (e[WORKER_ENV.doubleFlags] ?? "").split(/\s+/).filter(Boolean),
    healthPort: health === "off" ? null : health,
    visibilitySeconds,
    drainSeconds: e[WORKER_ENV.drainSeconds] ?? WORKER_DEFAULTS.drainSeconds,
    pollWaitSeconds: e[WORKER_ENV.pollWaitSeconds] ?? WORKER_DEFAULTS.pollWaitSeconds,
    prefetch: e[WORKER_ENV.prefetch] ?? WORKER_DEFAULTS.prefetch,
    workerId: e[WORKER_ENV.workerId] ?? taskId ?? `${hostname()}-${process.pid}`,
    logLevel: e[WORKER_ENV.logLevel] ?? "info",
    exitWithParent: e[WORKER_ENV.exitWithParent],
    inEcs: metadata !== undefined,
    ...(e[WORKER_ENV.comparator] ? { comparator: e[WORKER_ENV.comparator] } : {}),
    ...(e[WORKER_ENV.strictMemoryMiB] ? { strictMemoryMiB: e[WORKER_ENV.strictMemoryMiB] } : {}),
    ...(e[WORKER_ENV.expectToolchain] ? { expectToolchain: e[WORKER_ENV.expectToolchain] } : {}),
    ...(e[WORKER_ENV.expectProjectRev] ? { expectProjectRev: e[WORKER_ENV.expectProjectRev] } : {}),
    ...(e[WORKER_ENV.advisoriesFile] ? { advisoriesFile: e[WORKER_ENV.advisoriesFile] } : {}),
  };
}
