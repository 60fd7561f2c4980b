// The REPL double as a configuration: a stand-in process that speaks the REPL protocol (test/fixtures/repl-double.ts),
// marked simulated, for tests, benchmarks and machines without Lean.
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseReplConfig, type LeanReplConfig, type LeanReplConfigInput } from "../config.js";

/** The repository root (three levels above services/repl/setup). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
/** Path of the REPL double's entry point. */
export const DOUBLE_PATH = join(REPO_ROOT, "test/fixtures/repl-double.ts");
/** Lean version the double reports unless told otherwise. @default "4.19.0" */
export const DOUBLE_DEFAULT_LEAN_VERSION = "4.19.0";

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
  const flagAt = flags.indexOf("--lean-version");
  const leanVersion = (flagAt >= 0 ? flags[flagAt + 1] : undefined) ?? rest.leanVersion ?? DOUBLE_DEFAULT_LEAN_VERSION;
  const versionFlags = flagAt >= 0 ? [] : ["--lean-version", leanVersion];
  return parseReplConfig({
    simulated: true,
    replSupportsIncrementality: true,
    addressSpaceLimitMiB: null,
    ...rest,
    leanVersion,
    argv: [process.execPath, "--disable-warning=ExperimentalWarning", DOUBLE_PATH, ...versionFlags, ...flags],
  });
}
