// The REPL unit's public surface: other units, benchmarks and tests import services/repl through this file only
// (tests of the unit's internals import the module they test). Layers, bottom up: process/ (a REPL process and its
// tree), protocol/ (the REPL's JSON), setup/ (finding a REPL), reuse/ (prefixes and headers), server/
// (LeanServer, AutoLeanServer, state handles), pool/ (ReplPool and its scheduling).
export {
  InvalidRequestError,
  LeanFleetError,
  PoolExhaustedError,
  ReplClosedError,
  ReplCrashedError,
  ReplMemoryLimitError,
  ReplProtocolError,
  ReplRestartExhaustedError,
  ReplSetupError,
  ReplTimeoutError,
  UnknownHandleError,
} from "./errors.js";
export { LEAN_REPL_DEFAULTS, parseReplConfig, type LeanReplConfig, type LeanReplConfigInput } from "./config.js";
export { detectRepl, REPL_ENV, type DetectedRepl, type LookupOptions } from "./setup/detect.js";

export type { ReplCommand } from "./process/command.js";
export { processTreeRss } from "./process/memory.js";
export {
  isProcessDead,
  signalProcessGroup,
  trackProcessGroup,
  untrackProcessGroup,
  withAddressSpaceLimit,
} from "./process/process-tree.js";

export {
  errorMessages,
  INFOTREE_MODES,
  type InfotreeMode,
  type Message,
  type ReplRequest,
  type ReplResponse,
} from "./protocol/protocol.js";

export {
  HANDLE_PATTERN,
  type Handle,
  type HandleRecord,
  type HandleSelect,
  type LeanRequest,
  type ReplRunner,
  type RunOptions,
  type RunOutcome,
  type RunStatus,
  type ScheduleRule,
  type ServerRunOptions,
  type ServerRunResult,
} from "./server/outcome.js";
export { LeanServer, type LeanServerOptions } from "./server/lean-server.js";
export { AutoLeanServer, type AutoLeanServerOptions } from "./server/auto-lean-server.js";
export type { AutoLeanServerStats, RestartReason } from "./server/auto-lean-server-stats.js";
export type { MemoryProbe } from "./server/memory-probe.js";
export { SessionCache } from "./server/session-handles.js";

export { splitSource, type SourceSplit } from "./reuse/command-split.js";
export { PrefixIndex } from "./reuse/prefix-index.js";

export { ReplPool } from "./pool/pool.js";
export {
  defaultPoolSize,
  POOL_DEFAULTS,
  type LeaseOptions,
  type PoolStats,
  type ReplLease,
  type ReplPoolOptions,
} from "./pool/pool-options.js";
export { CostEstimates, type CostView } from "./pool/cost-estimates.js";
export {
  leanFleetPolicy,
  leastRecentlyUsed,
  run as runDecision,
  SCHEDULING_DEFAULTS,
  WAIT as WAIT_DECISION,
  type AffinityOptions,
  type PolicyMode,
  type PolicyName,
  type ReplSlotView,
  type ScheduleDecision,
  type ScheduleRequest,
  type SchedulingPolicy,
} from "./pool/scheduling.js";
