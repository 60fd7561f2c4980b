// Typed errors of the local cluster (`npm start`, `leanfleet up`): one class, code `local_cluster`, whose message
// names the part that failed, the value and the fix.
import { LeanFleetError } from "../core/index.js";

/** A part of the local cluster cannot start or answer (a directory, the API process, the status endpoint). */
export class LocalClusterError extends LeanFleetError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super("local_cluster", message, details);
  }
}
