// The doubles for tests and benchmarks: the REPL double as a LeanReplConfig (marked simulated) and the comparator
// double's command. Their paths come from the local cluster's --simulate wiring, the one production module that knows them.
import { resolve } from "node:path";
import { parseReplConfig, type LeanReplConfig, type LeanReplConfigInput } from "../../services/repl/index.js";
import {
  DOUBLE_DEFAULT_LEAN_VERSION,
  DOUBLE_PATHS,
  doubleCommand,
  leanVersionFlag,
} from "../../services/local-cluster/double-paths.js";

export { DOUBLE_DEFAULT_LEAN_VERSION };
/** The repository root. */
export const REPO_ROOT = resolve(import.meta.dirname, "../..");
/** Path of the REPL double's entry point. */
export const DOUBLE_PATH = DOUBLE_PATHS.repl;
/** The comparator double (test/fixtures): honours comparator's command line; every answer it gives is simulated. */
export const COMPARATOR_DOUBLE_PATH = DOUBLE_PATHS.comparator;

/** The command line that runs the REPL double with this Node (as LEANFLEET_REPL_COMMAND takes it). */
export function replDoubleCommand(flags: readonly string[] = []): string[] {
  return doubleCommand(DOUBLE_PATH, flags);
}

/** The command (before the config path) that runs the comparator double with this Node. */
export function comparatorDoubleCommand(flags: readonly string[] = []): string[] {
  return doubleCommand(COMPARATOR_DOUBLE_PATH, flags);
}

/** Options of {@link doubleConfig}: the double's flags, the version it reports, and config overrides. */
export interface DoubleConfigOptions extends LeanReplConfigInput {
  /** Extra flags for the double, e.g. `["--import-cost", "Mathlib=2000:1500", "--stats"]`. @default [] */
  flags?: string[];
}

/**
 * A configuration that runs the REPL double (`node test/fixtures/repl-double.ts ...flags`), marked simulated,
 * with incrementality support and no RLIMIT_AS (V8 reserves too much address space for it to be meaningful; the
 * RSS watchdog still applies). Accepts the flags alone, or options with `flags` plus any config field.
 */
export function doubleConfig(opts: DoubleConfigOptions | string[] = {}): LeanReplConfig {
  const { flags = [], ...rest } = Array.isArray(opts) ? { flags: opts } : opts;
  const flagged = leanVersionFlag(flags);
  const leanVersion = flagged ?? rest.leanVersion ?? DOUBLE_DEFAULT_LEAN_VERSION;
  const versionFlags = flags.includes("--lean-version") ? [] : ["--lean-version", leanVersion];
  return parseReplConfig({
    simulated: true,
    replSupportsIncrementality: true,
    addressSpaceLimitMiB: null,
    ...rest,
    leanVersion,
    argv: replDoubleCommand([...versionFlags, ...flags]),
  });
}
