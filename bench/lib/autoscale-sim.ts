// Discrete-time (1 s) simulation of one fleet under the CDK autoscaling rules (cdk/lib/fleet-autoscaling.ts) with
// the numbers of services/scaling/policy.ts, and an ideal packer that knows every job's cost. No AWS involved.
import { SCALING_POLICY } from "../../services/scaling/index.js";
import { fromZeroSteps, fromZeroTasks } from "../../cdk/scaling-steps.js";

/** How AWS behaves (not ours to tune); stated so the figures can be judged. */
export const AWS_MODEL = {
  /** Launch to RUNNING for a Fargate task (image pull included), as the brief assumes. */
  taskStartSeconds: 60,
  /**
   * SQS reports its queue depth once per minute: a datapoint is one sample (taken here at the end of the period),
   * so Maximum = Minimum = that sample. Container Insights' RunningTaskCount is averaged over the period.
   */
  sqsSampleOncePerPeriod: true,
  /** Delay before a CloudWatch datapoint is seen by an alarm, after its period ends. */
  cloudWatchDelaySeconds: 60,
  /** Alarms (and target tracking's own alarms) evaluate once per this many seconds. */
  alarmEvaluationSeconds: 60,
  /** Target tracking: datapoints above target before scaling out, below 90 % of it before scaling in. */
  targetTrackingOutDatapoints: 3,
  targetTrackingInDatapoints: 15,
  /** ECS service scheduler: how often it acts on a desired count below the task count. */
  ecsSchedulerSeconds: 15,
  /** An idle worker exits this long after SIGTERM. */
  idleStopSeconds: 5,
  /** Fargate bills per second with a one-minute minimum per task. */
  minimumBilledSeconds: 60,
} as const;

/** One simulated scenario. */
export interface SimInput {
  /** Job durations in seconds, in queue order (all visible at t = 0). */
  jobs: readonly number[];
  replsPerTask: number;
  maxTasks: number;
  /** Nightly mode: min capacity raised to maxTasks at t = 0 and lowered at this second; undefined: autoscaling alone. */
  minRaisedUntilSeconds?: number;
  policy?: typeof SCALING_POLICY;
}

/** What a scenario cost. */
export interface SimResult {
  /** Seconds from arrival until the last job finished. */
  drainSeconds: number;
  /** Fargate-billed task-minutes (until the fleet is back at zero). */
  taskMinutes: number;
  /** Share of billed REPL-seconds not running a job. */
  idleFraction: number;
  /** Seconds until the last task stopped. */
  zeroAtSeconds: number;
  peakTasks: number;
}

interface Task {
  launchedAt: number;
  readyAt: number;
  stopAt: number | undefined;
  slots: number[];
}

interface Datapoint {
  end: number;
  /** SQS samples at the end of the period. */
  visible: number;
  inflight: number;
  /** Tasks RUNNING, averaged over the period. */
  running: number;
}

/** Simulate the CDK rules on a burst of jobs. */
export function simulateFleet(input: SimInput): SimResult {
  const p = input.policy ?? SCALING_POLICY;
  const M = AWS_MODEL;
  const steps = fromZeroSteps(p.backlogPerTaskTarget, input.maxTasks);
  const period = p.metricPeriodSeconds;
  const tasks: Task[] = [];
  const stopped: { launchedAt: number; stoppedAt: number }[] = [];
  let next = 0; // queue head
  let inflight = 0;
  let remaining = input.jobs.length;
  let drainSeconds = 0;
  let desired = 0;
  let min = input.minRaisedUntilSeconds !== undefined ? input.maxTasks : 0;
  if (min > 0) desired = min;
  let peak = 0;
  const points: Datapoint[] = [];
  let acc = { runningSum: 0, n: 0 };
  const cooldownUntil = { fromZero: -1, ttOut: -1, ttIn: -1 };
  const busySeconds = input.jobs.reduce((a, b) => a + b, 0);

  for (let t = 0; t < 6 * 3600; t++) {
    if (input.minRaisedUntilSeconds !== undefined && t === input.minRaisedUntilSeconds) min = 0;
    // ECS: launch up to desired; above desired, stop pending tasks first, then idle (unprotected) running ones.
    const active = tasks.filter((k) => k.stopAt === undefined);
    for (let i = active.length; i < desired; i++)
      tasks.push({
        launchedAt: t,
        readyAt: t + M.taskStartSeconds,
        stopAt: undefined,
        slots: new Array<number>(input.replsPerTask).fill(0),
      });
    if (active.length > desired && t % M.ecsSchedulerSeconds === 0) {
      let excess = active.length - desired;
      const order = [...active].sort(
        (a, b) => Number(a.readyAt <= t) - Number(b.readyAt <= t) || b.launchedAt - a.launchedAt,
      );
      for (const k of order) {
        if (excess === 0) break;
        const pending = k.readyAt > t;
        if (pending || k.slots.every((s) => s === 0)) {
          k.stopAt = t + (pending ? 0 : M.idleStopSeconds);
          excess--;
        }
      }
    }
    // Tasks that finished stopping leave (and stop billing).
    for (let i = tasks.length - 1; i >= 0; i--) {
      const k = tasks[i]!;
      if (k.stopAt !== undefined && t >= k.stopAt) {
        stopped.push({ launchedAt: k.launchedAt, stoppedAt: k.stopAt });
        tasks.splice(i, 1);
      }
    }
    peak = Math.max(peak, tasks.length);
    // Workers: run a second of every job, then fill free REPLs from the queue (long polling picks work at once).
    for (const k of tasks) {
      if (k.readyAt > t || k.stopAt !== undefined) continue;
      for (let s = 0; s < k.slots.length; s++) {
        if (k.slots[s]! > 0) {
          k.slots[s]!--;
          if (k.slots[s] === 0) {
            inflight--;
            remaining--;
            if (remaining === 0) drainSeconds = t;
          }
        }
        if (k.slots[s] === 0 && next < input.jobs.length) {
          k.slots[s] = input.jobs[next++]!;
          inflight++;
        }
      }
    }
    const visible = input.jobs.length - next;
    const running = tasks.filter((k) => k.readyAt <= t && k.stopAt === undefined).length;
    acc = { runningSum: acc.runningSum + running, n: acc.n + 1 };
    if ((t + 1) % period === 0) {
      points.push({ end: t + 1, visible, inflight, running: acc.runningSum / acc.n });
      acc = { runningSum: 0, n: 0 };
    }
    // Alarms, on the datapoints CloudWatch has by now.
    if (t > 0 && t % M.alarmEvaluationSeconds === 0) {
      const seen = points.filter((d) => d.end <= t - M.cloudWatchDelaySeconds);
      const last = (n: number) => (seen.length >= n ? seen.slice(-n) : undefined);
      const wants: number[] = [];
      const l1 = last(1)?.[0];
      if (l1 && l1.running < 1 && l1.visible >= 1 && t >= cooldownUntil.fromZero) {
        wants.push(fromZeroTasks(steps, l1.visible));
        cooldownUntil.fromZero = t + p.scaleOutCooldownSeconds;
      }
      const drain = last(p.drainScaleInMinutes * (60 / period));
      if (drain && drain.every((d) => d.visible === 0 && d.running > 1)) wants.push(1);
      const idle = last(Math.round((p.idleMinutesBeforeZero * 60) / period));
      if (idle && idle.every((d) => d.visible + d.inflight === 0)) wants.push(0);
      const backlog = (d: Datapoint) => (d.running > 0 ? d.visible / d.running : d.visible);
      const hi = last(M.targetTrackingOutDatapoints);
      if (hi && desired > 0 && hi.every((d) => backlog(d) > p.backlogPerTaskTarget) && t >= cooldownUntil.ttOut) {
        wants.push(Math.ceil((desired * backlog(hi.at(-1)!)) / p.backlogPerTaskTarget));
        cooldownUntil.ttOut = t + p.scaleOutCooldownSeconds;
      }
      const lo = last(M.targetTrackingInDatapoints);
      if (lo && lo.every((d) => backlog(d) < 0.9 * p.backlogPerTaskTarget) && t >= cooldownUntil.ttIn) {
        wants.push(Math.ceil((desired * backlog(lo.at(-1)!)) / p.backlogPerTaskTarget));
        cooldownUntil.ttIn = t + p.scaleInCooldownSeconds;
      }
      // Application Auto Scaling applies the largest capacity any triggered policy asks for.
      if (wants.length > 0) desired = Math.max(...wants);
    }
    desired = Math.min(input.maxTasks, Math.max(min, desired));
    if (remaining === 0 && tasks.length === 0 && desired === 0) {
      return summarize(stopped, busySeconds, input.replsPerTask, drainSeconds, t, peak);
    }
  }
  throw new Error("simulation did not return to zero within 6 hours; the policy never scales in");
}

function summarize(
  stopped: { launchedAt: number; stoppedAt: number }[],
  busySeconds: number,
  repls: number,
  drainSeconds: number,
  zeroAt: number,
  peak: number,
): SimResult {
  const billed = stopped.reduce((a, k) => a + Math.max(AWS_MODEL.minimumBilledSeconds, k.stoppedAt - k.launchedAt), 0);
  return {
    drainSeconds,
    taskMinutes: billed / 60,
    idleFraction: 1 - busySeconds / (billed * repls),
    zeroAtSeconds: zeroAt,
    peakTasks: peak,
  };
}

/**
 * The ideal packer: knows every job's cost, starts maxTasks tasks at t = 0 (ready after the same start latency),
 * assigns jobs longest first to the least-loaded REPL (LPT), and stops each task when its last job ends.
 */
export function idealPacker(jobs: readonly number[], replsPerTask: number, maxTasks: number): SimResult {
  const loads = new Array<number>(replsPerTask * maxTasks).fill(0);
  // A binary heap over slot loads keeps LPT at O(n log slots).
  const heap = loads.map((_, i) => i);
  const sift = (i: number) => {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < heap.length && loads[heap[l]!]! < loads[heap[m]!]!) m = l;
      if (r < heap.length && loads[heap[r]!]! < loads[heap[m]!]!) m = r;
      if (m === i) return;
      [heap[i], heap[m]] = [heap[m]!, heap[i]!];
      i = m;
    }
  };
  for (const d of [...jobs].sort((a, b) => b - a)) {
    loads[heap[0]!]! += d;
    sift(0);
  }
  const start = AWS_MODEL.taskStartSeconds;
  const stopped: { launchedAt: number; stoppedAt: number }[] = [];
  let drain = 0;
  for (let k = 0; k < maxTasks; k++) {
    const end = start + Math.max(...loads.slice(k * replsPerTask, (k + 1) * replsPerTask));
    stopped.push({ launchedAt: 0, stoppedAt: end });
    drain = Math.max(drain, end);
  }
  return summarize(
    stopped,
    jobs.reduce((a, b) => a + b, 0),
    replsPerTask,
    drain,
    drain,
    maxTasks,
  );
}

/** A seeded PRNG (mulberry32), so every run of the bench sees the same job order. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
