// Typed errors of the worker unit (stable codes; match on `code` across processes). The base class is the core
// unit's: small, so the adapters and the API's Lambda bundle do not pull in the REPL machinery.
import { LeanFleetError } from "../core/index.js";

/** The worker's environment is missing or malformed; the message names the variable and the fix. */
export class WorkerConfigError extends LeanFleetError {
  constructor(message: string) {
    super("worker_config", message);
  }
}

/** The toolchain or project revision this worker runs is not what its fleet declares; the message names both. */
export class EnvironmentMismatchError extends LeanFleetError {
  constructor(problems: string[]) {
    super(
      "environment_mismatch",
      `${problems.join("; ")}; rebuild the fleet's image from its configuration, or fix the declared values (LEANFLEET_EXPECT_TOOLCHAIN, LEANFLEET_EXPECT_PROJECT_REV)`,
      { problems },
    );
  }
}
