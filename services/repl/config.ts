// LeanReplConfig: where the REPL and its Lake project are, which Lean version they run, and the supervision limits,
// with every default in one place (finding a REPL on this machine is setup/detect.ts).
import { z } from "zod";
import { ReplSetupError } from "./errors.js";

/** Every default of the REPL layer, in one place (units in the names). */
export const LEAN_REPL_DEFAULTS = {
  /** Command that runs Lake (used as `lake env <replPath>` when a projectDir is given). @default "lake" */
  lakePath: "lake",
  /** True when the REPL is the test double: every answer is then marked `simulated`. @default false */
  simulated: false,
  /**
   * Whether the REPL understands the fork's `incrementality` flag. `"auto"`: true for the double and for a REPL
   * recognised as augustepoiroux/repl (see {@link detectForkRepl}); false otherwise (upstream has no such flag).
   * @default "auto"
   */
  replSupportsIncrementality: "auto" as boolean | "auto",
  /** Send `incrementality: true` (when the REPL supports it) so Lean reuses already elaborated prefixes. @default true */
  enableIncrementalOptimization: true,
  /** Turn on Lean's parallel elaboration (`Elab.async`), only for Lean >= 4.19 (see elab-options.ts). @default true */
  enableParallelElaboration: true,
  /**
   * Per-REPL memory budget: the RSS watchdog kills a REPL process tree above it, and AutoLeanServer restarts one
   * above `maxProcessMemory` x this. null disables both. @default 8192 (Kimina's per-REPL cap; LeanInteract
   * recommends >= 8 GB when RLIMIT_AS is used)
   */
  memoryHardLimitMiB: 8192 as number | null,
  /** Fraction of memoryHardLimitMiB above which a REPL is restarted before its next request. @default 0.8 */
  maxProcessMemory: 0.8,
  /** Fraction of the container's memory limit above which the REPL is restarted before its next request. @default 0.8 */
  maxTotalMemory: 0.8,
  /** Restarts tried while memory stays over a threshold (and failed spawns) before giving up. @default 5 */
  maxRestartAttempts: 5,
  /** Base of the exponential backoff between repeated restarts: base, 2 x base, 4 x base, ... @default 1000 */
  restartBackoffMs: 1000,
  /** Times a request that died with its REPL (crash, memory kill) is retried on a fresh REPL. @default 1 (2 attempts) */
  maxCrashRetries: 1,
  /**
   * Restart a REPL after this many requests (the REPL never frees state). null: only the memory thresholds recycle,
   * because every restart throws away the imported header and the prefix caches. @default null
   */
  maxRequestsPerRepl: null as number | null,
  /**
   * Per-request timeout when the caller gives none, and the job format's default timeout (services/jobs takes it
   * from here). A cold `import Mathlib` can take most of it: pre-warm the header. @default 60000 (Kimina's default)
   */
  defaultTimeoutMs: 60_000,
  /** Time between SIGTERM and SIGKILL when a REPL process group is stopped. @default 1000 */
  killGraceMs: 1000,
  /** Bytes of REPL stderr kept in the ring buffer (it is always drained, so a chatty REPL never stalls). @default 65536 */
  stderrTailBytes: 64 * 1024,
  /** Bytes of the stderr tail put into error reports. @default 1024 */
  stderrReportBytes: 1024,
  /** Interval of the RSS watchdog while a request runs. @default 250 */
  rssSampleIntervalMs: 250,
  /** Handle records kept by a SessionCache (least recently used evicted first). @default 10000 */
  handleCacheMaxRecords: 10_000,
  /** The fork release whose per-toolchain tags (`v1.3.14_lean-toolchain-v4.19.0`) the install hint names. @default "v1.3.14" */
  forkReplRev: "v1.3.14",
} as const;

const fraction = z.number().gt(0).max(1);
const count = z.number().int().nonnegative();
const configSchema = z.strictObject({
  argv: z.array(z.string().min(1)).min(1, { error: "argv needs at least the program to run" }).optional(),
  replPath: z.string().min(1).optional(),
  projectDir: z.string().min(1).optional(),
  lakePath: z.string().min(1).default(LEAN_REPL_DEFAULTS.lakePath),
  cwd: z.string().min(1).optional(),
  env: z.record(z.string(), z.string()).default({}),
  simulated: z.boolean().default(LEAN_REPL_DEFAULTS.simulated),
  leanVersion: z.string().min(1).nullable().optional(),
  replSupportsIncrementality: z
    .union([z.boolean(), z.literal("auto")])
    .default(LEAN_REPL_DEFAULTS.replSupportsIncrementality),
  enableIncrementalOptimization: z.boolean().default(LEAN_REPL_DEFAULTS.enableIncrementalOptimization),
  enableParallelElaboration: z.boolean().default(LEAN_REPL_DEFAULTS.enableParallelElaboration),
  memoryHardLimitMiB: z.number().int().positive().nullable().default(LEAN_REPL_DEFAULTS.memoryHardLimitMiB),
  addressSpaceLimitMiB: z.number().int().positive().nullable().optional(),
  maxProcessMemory: fraction.default(LEAN_REPL_DEFAULTS.maxProcessMemory),
  maxTotalMemory: fraction.default(LEAN_REPL_DEFAULTS.maxTotalMemory),
  maxRestartAttempts: count.default(LEAN_REPL_DEFAULTS.maxRestartAttempts),
  restartBackoffMs: count.default(LEAN_REPL_DEFAULTS.restartBackoffMs),
  maxCrashRetries: count.default(LEAN_REPL_DEFAULTS.maxCrashRetries),
  maxRequestsPerRepl: z.number().int().positive().nullable().default(LEAN_REPL_DEFAULTS.maxRequestsPerRepl),
  defaultTimeoutMs: z.number().int().positive().default(LEAN_REPL_DEFAULTS.defaultTimeoutMs),
  killGraceMs: count.default(LEAN_REPL_DEFAULTS.killGraceMs),
  stderrTailBytes: z.number().int().positive().default(LEAN_REPL_DEFAULTS.stderrTailBytes),
  stderrReportBytes: z.number().int().positive().default(LEAN_REPL_DEFAULTS.stderrReportBytes),
  rssSampleIntervalMs: z.number().int().positive().default(LEAN_REPL_DEFAULTS.rssSampleIntervalMs),
  handleCacheMaxRecords: z.number().int().positive().default(LEAN_REPL_DEFAULTS.handleCacheMaxRecords),
  forkReplRev: z.string().min(1).default(LEAN_REPL_DEFAULTS.forkReplRev),
});

/**
 * A validated REPL configuration. How the REPL is found, in order: `argv` (an explicit command line, e.g. the
 * double); `replPath` (+ `projectDir`: run `lake env <replPath>` in it, so the project's imports resolve); env
 * `LEANFLEET_REPL` (+ `LEANFLEET_PROJECT_DIR`); a `repl` executable on PATH. Other fields: see {@link LEAN_REPL_DEFAULTS};
 * `cwd` (the REPL's working directory, @default - projectDir, else the current directory), `env` (extra environment
 * variables for the REPL, @default {}), `leanVersion` (@default - from `<projectDir>/lean-toolchain`, else
 * `lean --version`), `addressSpaceLimitMiB` (RLIMIT_AS on Linux, @default - memoryHardLimitMiB; null: no RLIMIT_AS,
 * needed for Node-based REPLs such as the double, whose V8 reserves about 1 GiB of address space at start).
 */
export type LeanReplConfig = z.infer<typeof configSchema>;
/** What a caller may pass: every field optional, defaults filled by {@link parseReplConfig}. */
export type LeanReplConfigInput = z.input<typeof configSchema>;

/** Validate a configuration once (in a composition root) and fill its defaults; throws ReplSetupError naming the field. */
export function parseReplConfig(input: LeanReplConfigInput = {}): LeanReplConfig {
  const parsed = configSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ReplSetupError(`LeanReplConfig.${issue.path.join(".") || "(root)"}: ${issue.message}`, {
      field: issue.path.join("."),
    });
  }
  return parsed.data;
}
