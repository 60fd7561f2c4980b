// What the worker runs and checks jobs with, from its configuration: the REPL set's configuration (a given command
// line, or a Lean REPL found on this machine), the comparator command, and the verification the pool feeds.
import { isMissing, type EnvironmentRecord } from "../environment/index.js";
import { detectRepl, parseReplConfig, type LeanReplConfig, type ReplPool } from "../repl/index.js";
import { FastAuditor, resolveComparator, StrictChecker } from "../verify/index.js";
import { WORKER_ENV, type WorkerConfig } from "./config.js";
import { WorkerConfigError } from "./errors.js";
import type { VerificationDeps } from "./verification.js";

/** The comparator command the fleet runs, or null; `isStandIn`: a simulated fleet's (recorded as simulated). */
export interface ComparatorSetup {
  command: string[] | null;
  isStandIn: boolean;
}

/** The comparator of LEANFLEET_COMPARATOR (or `comparator` on PATH); with LEANFLEET_SIMULATE=1 it is a stand-in. */
export function comparatorSetup(config: WorkerConfig): ComparatorSetup {
  const command = resolveComparator(config.comparator);
  return { command, isStandIn: config.simulate && command !== null };
}

/**
 * The REPL configuration the worker's environment asks for. LEANFLEET_SIMULATE=1: the stand-in REPL of
 * LEANFLEET_REPL_COMMAND (plus LEANFLEET_DOUBLE_FLAGS), marked simulated, with incrementality and without RLIMIT_AS
 * (a Node stand-in's V8 reserves too much address space; the RSS watchdog still applies). Otherwise a Lean REPL:
 * the given command line, else the one LEANFLEET_REPL / LEANFLEET_PROJECT_DIR or PATH name, detected.
 */
export function replConfig(config: WorkerConfig): LeanReplConfig {
  const limits = config.replMemoryMiB !== undefined ? { memoryHardLimitMiB: config.replMemoryMiB } : {};
  const argv = config.replCommand ? [...config.replCommand, ...config.doubleFlags] : undefined;
  if (config.simulate) {
    if (argv === undefined) {
      throw new WorkerConfigError(
        `${WORKER_ENV.simulate}=1 needs ${WORKER_ENV.replCommand}: the stand-in REPL's command line as a JSON array (\`leanfleet up --simulate\` sets it)`,
      );
    }
    return parseReplConfig({
      simulated: true,
      replSupportsIncrementality: true,
      addressSpaceLimitMiB: null,
      ...limits,
      argv,
    });
  }
  const found = detectRepl({
    ...limits,
    ...(argv ? { argv } : {}),
    ...(config.replPath ? { replPath: config.replPath } : {}),
    ...(config.projectDir ? { projectDir: config.projectDir } : {}),
  });
  if (!found.ok) throw found.error;
  return found.config;
}

/**
 * A simulated REPL's Lean version is what it reports to `--version`, as the environment record read it (a Lean REPL's
 * was detected with it); it decides which Lean options requests get.
 */
export function withRecordedLeanVersion(config: LeanReplConfig, record: EnvironmentRecord): LeanReplConfig {
  if (!config.simulated || config.leanVersion || isMissing(record.lean)) return config;
  return { ...config, leanVersion: record.lean.version };
}

/** The fast audit on the pool, and the strict stage when the fleet has a comparator. */
export function buildVerification(config: WorkerConfig, pool: ReplPool, comparator: ComparatorSetup): VerificationDeps {
  const strict =
    comparator.command === null
      ? null
      : new StrictChecker({
          command: comparator.command,
          projectDir: config.projectDir ?? null,
          ...(config.strictMemoryMiB ? { memoryLimitMiB: config.strictMemoryMiB } : {}),
          // A stand-in comparator is a Node process: RLIMIT_AS would stop it reserving its heap (RSS watchdog only).
          ...(comparator.isStandIn ? { addressSpaceLimitMiB: null } : {}),
        });
  return { auditor: new FastAuditor(pool), strict };
}
