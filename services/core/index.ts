// The core unit: the error base with its typed codes, and the ports every unit shares. Re-exports only.
export {
  ERROR_CODES,
  isErrorCode,
  InternalError,
  InterruptedError,
  LeanFleetError,
  LeaseLostError,
  UsageError,
  type ErrorCode,
  type HttpStatusErrorCode,
  type KnownErrorCode,
} from "./errors.js";
export type {
  ClusterStatus,
  JobQueue,
  ObjectPage,
  ObjectStore,
  QueueDepth,
  ReceivedMessage,
  TaskCounts,
  TaskProtection,
} from "./ports.js";
export { SHARED_ENV } from "./env-names.js";
