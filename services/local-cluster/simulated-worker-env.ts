// The local cluster's --simulate wiring: the worker environment that runs a fleet on the doubles. Workers get plain
// commands (LEANFLEET_REPL_COMMAND, LEANFLEET_COMPARATOR); only this wiring knows they are the doubles.
import { WORKER_ENV } from "../worker/index.js";
import { DOUBLE_DEFAULT_LEAN_VERSION, DOUBLE_PATHS, doubleCommand, leanVersionFlag } from "./double-paths.js";

/** The worker environment that runs the REPL double (and the comparator double) as Lean `version`. */
export function doubleVersionEnv(version: string): Record<string, string> {
  return { [WORKER_ENV.doubleFlags]: `--lean-version ${version}` };
}

/**
 * What a simulated worker needs on top of `env` (the worker environment the caller gives, which may carry the
 * double's flags in LEANFLEET_DOUBLE_FLAGS): the REPL double as its REPL command (at the default Lean version
 * unless the flags name one; the worker appends the flags) and the comparator double, at the same Lean version, as
 * its comparator unless `env` configures one.
 */
export function simulatedWorkerEnv(env: Readonly<Record<string, string>>): Record<string, string> {
  const flags = (env[WORKER_ENV.doubleFlags] ?? "").split(/\s+/).filter(Boolean);
  const version = leanVersionFlag(flags);
  const replCommand = doubleCommand(
    DOUBLE_PATHS.repl,
    version === undefined ? ["--lean-version", DOUBLE_DEFAULT_LEAN_VERSION] : [],
  );
  const comparator = doubleCommand(DOUBLE_PATHS.comparator, version === undefined ? [] : ["--lean-version", version]);
  return {
    [WORKER_ENV.replCommand]: JSON.stringify(replCommand),
    ...(env[WORKER_ENV.comparator] === undefined ? { [WORKER_ENV.comparator]: JSON.stringify(comparator) } : {}),
  };
}
