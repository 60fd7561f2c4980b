// The backlog scaling rule, written once: the CDK scaling policy and the local cluster's supervisor both read it.

/** Numbers of the backlog-per-task scaling policy shared by the cloud (CDK) and the local cluster. */
export const SCALING_POLICY = {
  /** Target visible messages per running task; more backlog than this adds tasks. @default 8 */
  backlogPerTaskTarget: 8,
  /** Seconds to wait after a scale-out before another may start. @default 60 */
  scaleOutCooldownSeconds: 60,
  /** Seconds to wait after a scale-in before another may start. @default 300 */
  scaleInCooldownSeconds: 300,
  /**
   * Minutes the queue (visible + in flight) must stay empty before scaling to zero. bench/autoscale set it: at 15
   * the last task idled long enough to cost ~5 % more task-minutes on a nightly run than at 5. @default 5
   */
  idleMinutesBeforeZero: 5,
  /** Period of the CloudWatch metrics the policy reads, in seconds. @default 60 */
  metricPeriodSeconds: 60,
  /**
   * Minutes with no visible message while more than one task runs before the fleet is set to one task; busy
   * tasks hold scale-in protection, so each stops only when its last job ends (the cloud form of "keep one task
   * while work is in flight"). @default 1
   */
  drainScaleInMinutes: 1,
} as const;

/** What the rule sees: queue depth and the current task count. */
export interface BacklogSample {
  /** Visible (not yet received) messages. */
  visible: number;
  /** Messages received and not yet deleted. */
  inFlight: number;
  /** Tasks (worker processes) currently running. */
  running: number;
}

/**
 * Desired task count for a backlog sample: enough tasks that visible messages per task is at most the target,
 * at least one while anything is visible or in flight (scale from zero on the first message), clamped to
 * [min, max]. Scaling to zero after an idle period is the caller's job (it needs a clock), see `idleMinutesBeforeZero`.
 */
export function desiredTasks(
  sample: BacklogSample,
  min: number,
  max: number,
  target = SCALING_POLICY.backlogPerTaskTarget,
): number {
  const busy = sample.visible + sample.inFlight > 0;
  // Scale-in may ask for fewer tasks than hold in-flight work: busy tasks hold scale-in protection, so only idle
  // ones stop (the local cluster stops idle workers only, for the same reason).
  const want = Math.max(Math.ceil(sample.visible / target), busy ? 1 : 0);
  return Math.min(max, Math.max(min, want));
}
