// Keeps one fleet's worker processes at the count the shared backlog rule asks for (services/scaling), like an ECS
// service with target tracking: scales out on backlog, scales in only idle workers, replaces workers that die.
import type { Logger } from "pino";
import { desiredTasks } from "../scaling/index.js";
import type { JobQueue, QueueDepth } from "../core/index.js";
import type { WorkerExit, WorkerHealth, WorkerState } from "./worker-process.js";

/** What the supervisor needs of a worker process (WorkerProcess; fakes in tests). */
export interface SupervisedWorker {
  readonly workerId: string;
  readonly pid: number;
  readonly startedAtMs: number;
  readonly state: WorkerState;
  readonly health: WorkerHealth | undefined;
  readonly exited: Promise<WorkerExit>;
  /** Refresh `health` (no-op unless running). */
  pollHealth(): Promise<WorkerHealth | undefined>;
  /** Drain and exit; SIGKILL after `graceMs`. */
  stop(graceMs: number): Promise<WorkerExit>;
}

/** Timing of the local scaling loop: the cloud's rule, with waits shortened for a machine you sit in front of. */
export interface LocalScaling {
  /** How often the queue depth is read and the rule applied. @default 1000 */
  intervalMs: number;
  /** Wait after a scale-out before the next one (cloud: 60 s). @default 5000 */
  scaleOutCooldownMs: number;
  /** Wait after a scale-in before the next one (cloud: 300 s). @default 30000 */
  scaleInCooldownMs: number;
  /** Queue empty for this long before scaling to zero, when min is 0 (cloud: 15 min). @default 60000 */
  idleBeforeZeroMs: number;
  /** Time a stopping worker gets to drain before its group is SIGKILLed. @default 20000 */
  stopGraceMs: number;
}

/** Defaults of {@link LocalScaling}. */
export const LOCAL_SCALING_DEFAULTS: LocalScaling = {
  intervalMs: 1000,
  scaleOutCooldownMs: 5000,
  scaleInCooldownMs: 30_000,
  idleBeforeZeroMs: 60_000,
  stopGraceMs: 20_000,
};

/** Options of {@link FleetSupervisor}. */
export interface FleetSupervisorOptions<W extends SupervisedWorker = SupervisedWorker> {
  fleet: string;
  queue: JobQueue;
  min: number;
  max: number;
  scaling: LocalScaling;
  logger: Logger;
  /** Start a worker process for this fleet; `n` numbers the fleet's workers from 1. */
  spawn: (n: number) => W;
}

/** One fleet's workers and their scaling state. */
export class FleetSupervisor<W extends SupervisedWorker = SupervisedWorker> {
  readonly fleet: string;
  readonly workers = new Set<W>();
  /** Every worker process ever started (for tests and the process table). */
  readonly history: W[] = [];
  desired: number;
  depth: QueueDepth | undefined;
  replaced = 0;
  readonly #o: FleetSupervisorOptions<W>;
  #seq = 0;
  #lastScaleOut = 0;
  #lastScaleIn = 0;
  #lastBusy = Date.now();
  #failures = 0;
  #nextSpawnAt = 0;
  #closed = false;

  constructor(options: FleetSupervisorOptions<W>) {
    this.#o = options;
    this.fleet = options.fleet;
    this.desired = options.min;
  }

  /** Workers started and not stopping (pending + running). */
  live(): W[] {
    return [...this.workers].filter((w) => w.state === "pending" || w.state === "running");
  }

  /** Task counts as ECS reports them. */
  counts(): { desired: number; running: number; pending: number } {
    const live = this.live();
    return {
      desired: this.desired,
      running: live.filter((w) => w.state === "running").length,
      pending: live.filter((w) => w.state === "pending").length,
    };
  }

  /** One step of the loop: read depth and worker health, apply the rule, start or stop workers. */
  async tick(): Promise<void> {
    if (this.#closed) return;
    const [depth] = await Promise.all([
      this.#o.queue.depth().catch(() => undefined),
      ...[...this.workers].map((w) => w.pollHealth()),
    ]);
    if (this.#closed) return;
    const now = Date.now();
    if (depth) {
      this.depth = depth;
      if (depth.visible + depth.inFlight > 0) this.#lastBusy = now;
      const target = desiredTasks(
        { visible: depth.visible, inFlight: depth.inFlight, running: this.live().length },
        this.#o.min,
        this.#o.max,
      );
      if (target > this.desired && now - this.#lastScaleOut >= this.#o.scaling.scaleOutCooldownMs) {
        this.#o.logger.info({ fleet: this.fleet, from: this.desired, to: target, visible: depth.visible }, "scale out");
        this.desired = target;
        this.#lastScaleOut = now;
      } else if (
        target < this.desired &&
        now - this.#lastScaleIn >= this.#o.scaling.scaleInCooldownMs &&
        now - this.#lastScaleOut >= this.#o.scaling.scaleInCooldownMs &&
        (target > 0 || now - this.#lastBusy >= this.#o.scaling.idleBeforeZeroMs)
      ) {
        this.#o.logger.info({ fleet: this.fleet, from: this.desired, to: target }, "scale in");
        this.desired = target;
        this.#lastScaleIn = now;
      }
    }
    this.reconcile();
  }

  /** Start missing workers (with a crash-loop backoff) and stop surplus idle ones. */
  reconcile(): void {
    if (this.#closed) return;
    const live = this.live();
    if (live.length < this.desired && Date.now() >= this.#nextSpawnAt) {
      for (let i = live.length; i < this.desired; i++) this.#start();
    } else if (live.length > this.desired) {
      // Scale-in stops idle workers only (busy ones are protected, as ECS task protection does in the cloud).
      const idle = live.filter((w) => w.state === "running" && w.health !== undefined && w.health.jobsRunning === 0);
      for (const w of idle.slice(0, live.length - this.desired)) {
        this.#o.logger.info({ workerId: w.workerId }, "stopping idle worker (scale in)");
        void w.stop(this.#o.scaling.stopGraceMs);
      }
    }
  }

  /** Stop every worker (drain, then SIGKILL after the grace). */
  async close(): Promise<WorkerExit[]> {
    this.#closed = true;
    return Promise.all([...this.workers].map((w) => w.stop(this.#o.scaling.stopGraceMs)));
  }

  #start(): void {
    const w = this.#o.spawn(++this.#seq);
    this.workers.add(w);
    this.history.push(w);
    this.#o.logger.info({ workerId: w.workerId, pid: w.pid }, "worker started");
    void w.exited.then((exit) => {
      this.workers.delete(w);
      const lived = Date.now() - w.startedAtMs;
      const log = {
        workerId: w.workerId,
        pid: w.pid,
        code: exit.code,
        signal: exit.signal,
        livedMs: lived,
        orphansKilled: exit.orphansKilled.length,
      };
      if (exit.requested || this.#closed) {
        this.#o.logger.info(log, "worker stopped");
        return;
      }
      // An ECS service replaces a task that stopped, whatever the reason; back off if workers die right away.
      this.replaced++;
      this.#failures = lived < 10_000 ? this.#failures + 1 : 0;
      this.#nextSpawnAt = this.#failures === 0 ? 0 : Date.now() + Math.min(30_000, 1000 * 2 ** (this.#failures - 1));
      this.#o.logger.warn(
        { ...log, retryInMs: Math.max(0, this.#nextSpawnAt - Date.now()) },
        "worker died; replacing it",
      );
      this.reconcile();
    });
  }
}
