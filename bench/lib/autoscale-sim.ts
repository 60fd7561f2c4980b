// Discrete-time (1 s) simulation of one fleet under the CDK autoscaling rules (cdk/lib/fleet-autoscaling.ts) with
// the numbers of services/scaling/policy.ts, and an ideal packer that knows every job's cost. No AWS involved.
import { SCALING_POLICY } from "../../services/scaling/index.js";
import { fromZeroSteps, fromZeroTasks } from "../../cdk/scaling-steps.js";

/** How AWS behaves (not ours to tune); stated so the figures can be judged. */
export const AWS_MODEL = {
  /** Launch to RUNNING for a Fargate task (image pull included): an assumed 60 s. */
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

/** One fleet under the CDK rules, advanced one simulated second at a time. */
class FleetSimulation {
  private readonly p: typeof SCALING_POLICY;
  private readonly steps: ReturnType<typeof fromZeroSteps>;
  private readonly tasks: Task[] = [];
  private readonly stopped: { launchedAt: number; stoppedAt: number }[] = [];
  private readonly points: Datapoint[] = [];
  private readonly cooldownUntil = { fromZero: -1, ttOut: -1, ttIn: -1 };
  private readonly busySeconds: number;
  private next = 0; // queue head
  private inflight = 0;
  private remaining: number;
  private drainSeconds = 0;
  private desired = 0;
  private min: number;
  private peak = 0;
  private acc = { runningSum: 0, n: 0 };

  constructor(private readonly input: SimInput) {
    this.p = input.policy ?? SCALING_POLICY;
    this.steps = fromZeroSteps(this.p.backlogPerTaskTarget, input.maxTasks);
    this.remaining = input.jobs.length;
    this.min = input.minRaisedUntilSeconds !== undefined ? input.maxTasks : 0;
    if (this.min > 0) this.desired = this.min;
    this.busySeconds = input.jobs.reduce((a, b) => a + b, 0);
  }

  /** Second `t`; what the scenario cost once every job is done and the fleet is back at zero, else undefined. */
  step(t: number): SimResult | undefined {
    if (this.input.minRaisedUntilSeconds !== undefined && t === this.input.minRaisedUntilSeconds) this.min = 0;
    this.reconcileTasks(t);
    this.removeStopped(t);
    this.peak = Math.max(this.peak, this.tasks.length);
    this.runWorkers(t);
    this.sampleMetrics(t);
    if (t > 0 && t % AWS_MODEL.alarmEvaluationSeconds === 0) this.evaluateAlarms(t);
    this.desired = Math.min(this.input.maxTasks, Math.max(this.min, this.desired));
    if (this.remaining === 0 && this.tasks.length === 0 && this.desired === 0) {
      return summarize(this.stopped, this.busySeconds, this.input.replsPerTask, this.drainSeconds, t, this.peak);
    }
    return undefined;
  }

  /** ECS: launch up to desired; above desired, stop pending tasks first, then idle (unprotected) running ones. */
  private reconcileTasks(t: number): void {
    const active = this.tasks.filter((k) => k.stopAt === undefined);
    for (let i = active.length; i < this.desired; i++)
      this.tasks.push({
        launchedAt: t,
        readyAt: t + AWS_MODEL.taskStartSeconds,
        stopAt: undefined,
        slots: new Array<number>(this.input.replsPerTask).fill(0),
      });
    if (active.length > this.desired && t % AWS_MODEL.ecsSchedulerSeconds === 0) {
      let excess = active.length - this.desired;
      const order = [...active].sort(
        (a, b) => Number(a.readyAt <= t) - Number(b.readyAt <= t) || b.launchedAt - a.launchedAt,
      );
      for (const k of order) {
        if (excess === 0) break;
        const pending = k.readyAt > t;
        if (pending || k.slots.every((s) => s === 0)) {
          k.stopAt = t + (pending ? 0 : AWS_MODEL.idleStopSeconds);
          excess--;
        }
      }
    }
  }

  /** Tasks that finished stopping leave (and stop billing). */
  private removeStopped(t: number): void {
    for (let i = this.tasks.length - 1; i >= 0; i--) {
      const k = this.tasks[i]!;
      if (k.stopAt !== undefined && t >= k.stopAt) {
        this.stopped.push({ launchedAt: k.launchedAt, stoppedAt: k.stopAt });
        this.tasks.splice(i, 1);
      }
    }
  }

  /** Workers: run a second of every job, then fill free REPLs from the queue (long polling picks work at once). */
  private runWorkers(t: number): void {
    const jobs = this.input.jobs;
    for (const k of this.tasks) {
      if (k.readyAt > t || k.stopAt !== undefined) continue;
      for (let s = 0; s < k.slots.length; s++) {
        if (k.slots[s]! > 0) {
          k.slots[s]!--;
          if (k.slots[s] === 0) {
            this.inflight--;
            this.remaining--;
            if (this.remaining === 0) this.drainSeconds = t;
          }
        }
        if (k.slots[s] === 0 && this.next < jobs.length) {
          k.slots[s] = jobs[this.next++]!;
          this.inflight++;
        }
      }
    }
  }

  /** CloudWatch: SQS sampled at the end of each period, running tasks averaged over it. */
  private sampleMetrics(t: number): void {
    const visible = this.input.jobs.length - this.next;
    const running = this.tasks.filter((k) => k.readyAt <= t && k.stopAt === undefined).length;
    this.acc = { runningSum: this.acc.runningSum + running, n: this.acc.n + 1 };
    if ((t + 1) % this.p.metricPeriodSeconds === 0) {
      this.points.push({ end: t + 1, visible, inflight: this.inflight, running: this.acc.runningSum / this.acc.n });
      this.acc = { runningSum: 0, n: 0 };
    }
  }

  /** Alarms, on the datapoints CloudWatch has by now; Application Auto Scaling applies the largest capacity asked. */
  private evaluateAlarms(t: number): void {
    const { p, cooldownUntil, desired } = this;
    const period = p.metricPeriodSeconds;
    const seen = this.points.filter((d) => d.end <= t - AWS_MODEL.cloudWatchDelaySeconds);
    const last = (n: number) => (seen.length >= n ? seen.slice(-n) : undefined);
    const wants: number[] = [];
    const l1 = last(1)?.[0];
    if (l1 && l1.running < 1 && l1.visible >= 1 && t >= cooldownUntil.fromZero) {
      wants.push(fromZeroTasks(this.steps, l1.visible));
      cooldownUntil.fromZero = t + p.scaleOutCooldownSeconds;
    }
    const drain = last(p.drainScaleInMinutes * (60 / period));
    if (drain && drain.every((d) => d.visible === 0 && d.running > 1)) wants.push(1);
    const idle = last(Math.round((p.idleMinutesBeforeZero * 60) / period));
    if (idle && idle.every((d) => d.visible + d.inflight === 0)) wants.push(0);
    const backlog = (d: Datapoint) => (d.running > 0 ? d.visible / d.running : d.visible);
    const hi = last(AWS_MODEL.targetTrackingOutDatapoints);
    if (hi && desired > 0 && hi.every((d) => backlog(d) > p.backlogPerTaskTarget) && t >= cooldownUntil.ttOut) {
      wants.push(Math.ceil((desired * backlog(hi.at(-1)!)) / p.backlogPerTaskTarget));
      cooldownUntil.ttOut = t + p.scaleOutCooldownSeconds;
    }
    const lo = last(AWS_MODEL.targetTrackingInDatapoints);
    if (lo && lo.every((d) => backlog(d) < 0.9 * p.backlogPerTaskTarget) && t >= cooldownUntil.ttIn) {
      wants.push(Math.ceil((desired * backlog(lo.at(-1)!)) / p.backlogPerTaskTarget));
      cooldownUntil.ttIn = t + p.scaleInCooldownSeconds;
    }
    if (wants.length > 0) this.desired = Math.max(...wants);
  }
}

/** Simulate the CDK rules on a burst of jobs. */
export function simulateFleet(input: SimInput): SimResult {
  const sim = new FleetSimulation(input);
  for (let t = 0; t < 6 * 3600; t++) {
    const result = sim.step(t);
    if (result) return result;
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
