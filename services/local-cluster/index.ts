// The local-cluster unit: `npm start` / `leanfleet up` run the whole pipeline on one machine.
export { startLocalCluster } from "./local-cluster.js";
export {
  noLeanNotice,
  fleetNameError,
  LOCAL_CLUSTER_DEFAULTS,
  type LocalCluster,
  type LocalClusterOptions,
} from "./local-cluster-options.js";
export { DOUBLE_DEFAULT_LEAN_VERSION, DOUBLE_PATHS, doubleCommand, leanVersionFlag } from "./double-paths.js";
export { doubleVersionEnv, simulatedWorkerEnv } from "./simulated-worker-env.js";
export { LocalClusterError } from "./errors.js";
export {
  LOCAL_SCALING_DEFAULTS,
  FleetSupervisor,
  type LocalScaling,
  type SupervisedWorker,
} from "./fleet-supervisor.js";
export {
  HttpClusterStatus,
  CLUSTER_STATUS_URL_ENV,
  type ClusterStatus,
  type ClusterSnapshot,
  type FleetStatus,
  type TaskCounts,
  type WorkerRow,
} from "./cluster-status.js";
export { WorkerProcess, type WorkerState, type WorkerExit, type WorkerHealth } from "./worker-process.js";
export { findTagged, killTagged, isAlive, LOCAL_TAG_ENV } from "./process-sweep.js";
export { canListen, findPortHolders, portInUseMessage, type PortHolder } from "./port-holder.js";
export { ensureWritableDir } from "./writable-dir.js";
