// Typed errors of the worker unit (stable codes; match on `code` across processes).
// errors.js directly, not the REPL unit's index: the adapters (and through them the API's Lambda bundle) need only
// the error base class, not the REPL process machinery the index pulls in.
import { LeanFleetError } from "../repl/errors.js";

/** A message's lease (receipt) is no longer valid: it was deleted, or its visibility expired and it may be redelivered. */
export class LeaseLostError extends LeanFleetError {
  constructor(receipt: string, reason: string) {
    super("lease_lost", `the lease of a queue message is gone (${reason}); the job must stop, another delivery will run it`, {
      receipt: receipt.slice(0, 64),
      reason,
    });
  }
}

/** The worker's environment is missing or malformed; the message names the variable and the fix. */
export class WorkerConfigError extends LeanFleetError {
  constructor(message: string) {
    super("worker_config", message);
  }
}

/** The toolchain or project revision this worker runs is not what its fleet declares; the message names both. */
export class EnvironmentMismatchError extends LeanFleetError {
  constructor(problems: string[]) {
    super("environment_mismatch", `${problems.join("; ")}; rebuild the fleet's image from its configuration, or fix the declared values (LEANFLEET_EXPECT_TOOLCHAIN, LEANFLEET_EXPECT_PROJECT_REV)`, { problems });
  }
}
