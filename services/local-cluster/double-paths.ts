// Where the REPL and comparator doubles live (test/fixtures) and the command lines that run them: known to the local
// cluster's --simulate wiring (simulated-worker-env.ts) and to the tests, to no other production module.
import { join } from "node:path";
import { REPO_ROOT } from "./repo-root.js";

/** Entry points of the two doubles: the REPL double and the comparator double. */
export const DOUBLE_PATHS = {
  /** Speaks the REPL protocol; every answer it gives is simulated. */
  repl: join(REPO_ROOT, "test/fixtures/repl-double.ts"),
  /** Honours comparator's command line; every answer it gives is simulated. */
  comparator: join(REPO_ROOT, "test/fixtures/comparator-double.ts"),
} as const;

/** Lean version the REPL double reports unless its flags say otherwise. @default "4.19.0" */
export const DOUBLE_DEFAULT_LEAN_VERSION = "4.19.0";

/** The command line that runs a double's entry point with this Node, followed by `flags`. */
export function doubleCommand(script: string, flags: readonly string[] = []): string[] {
  return [process.execPath, "--disable-warning=ExperimentalWarning", script, ...flags];
}

/** The value of `--lean-version` in a double's flags, if given. */
export function leanVersionFlag(flags: readonly string[]): string | undefined {
  const at = flags.indexOf("--lean-version");
  return at >= 0 ? flags[at + 1] : undefined;
}
