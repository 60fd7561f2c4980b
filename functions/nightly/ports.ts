// Ports of the nightly runner beyond the shared queue and store: changing a fleet's minimum task count.

/** The ECS service behind a fleet, and the minimum it normally has. */
export interface FleetTarget {
  /** ECS cluster name. */
  cluster: string;
  /** ECS service name. */
  service: string;
  /** The fleet's configured minimum tasks (restored after a run has started). */
  minTasks: number;
}

/** Sets the minimum task count of a fleet (Application Auto Scaling in AWS; a recorder in tests). */
export interface FleetScaler {
  /** Make `minTasks` the fleet's minimum; raising it above the current count starts tasks at once. */
  setMinTasks(target: FleetTarget, minTasks: number): Promise<void>;
}

/** A pino-compatible logger. */
export interface NightlyLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}
