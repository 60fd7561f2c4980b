// The local scaling loop with fake worker processes: the shared backlog rule, cooldowns, idle-only scale-in,
// scale to zero after the idle period, replacement of dead workers with a crash-loop backoff.
import pino from "pino";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { SCALING_POLICY } from "../../services/scaling/index.js";
import {
  FleetSupervisor,
  type LocalScaling,
  type SupervisedWorker,
} from "../../services/local-cluster/fleet-supervisor.js";
import type { WorkerExit, WorkerHealth, WorkerState } from "../../services/local-cluster/worker-process.js";
import { MemoryJobQueue } from "../support/fakes.js";

class FakeWorker implements SupervisedWorker {
  readonly startedAtMs = Date.now();
  state: WorkerState = "pending";
  health: WorkerHealth | undefined;
  stops = 0;
  readonly exited: Promise<WorkerExit>;
  #exit!: (e: WorkerExit) => void;
  constructor(
    readonly workerId: string,
    readonly pid: number,
  ) {
    this.exited = new Promise((r) => (this.#exit = r));
  }
  ready(jobsRunning = 0): void {
    this.state = "running";
    this.health = {
      status: "ok",
      jobsRunning,
      jobsDone: 0,
      repls: { size: 2, alive: 2, busy: 0, restarts: 0 },
      lastReceiveAt: null,
    };
  }
  die(requested = false): void {
    this.state = "exited";
    this.#exit({ code: null, signal: "SIGKILL", requested, orphansKilled: [] });
  }
  async pollHealth(): Promise<WorkerHealth | undefined> {
    return this.health;
  }
  async stop(): Promise<WorkerExit> {
    this.stops++;
    this.state = "stopping";
    this.die(true);
    return this.exited;
  }
}

const scaling: LocalScaling = {
  intervalMs: 1000,
  scaleOutCooldownMs: 5000,
  scaleInCooldownMs: 30_000,
  idleBeforeZeroMs: 60_000,
  stopGraceMs: 1000,
};

function setup(min: number, max: number) {
  const queue = new MemoryJobQueue({ visibilitySeconds: 600 });
  const spawned: FakeWorker[] = [];
  const sup = new FleetSupervisor<FakeWorker>({
    fleet: "default",
    queue,
    min,
    max,
    scaling,
    logger: pino({ level: "silent" }),
    spawn: (n) => {
      const w = new FakeWorker(`default-${n}`, 1000 + n);
      spawned.push(w);
      return w;
    },
  });
  return { queue, spawned, sup };
}
const flush = () => vi.advanceTimersByTimeAsync(0);

describe("FleetSupervisor", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("starts the minimum, scales out by backlog per worker (target 8) up to max, after the cooldown", async () => {
    const { queue, spawned, sup } = setup(1, 4);
    sup.reconcile();
    expect(spawned).toHaveLength(1);
    spawned[0]!.ready();
    await queue.sendMany(Array.from({ length: 3 * SCALING_POLICY.backlogPerTaskTarget }, (_, i) => `m${i}`));
    await sup.tick();
    expect(sup.desired).toBe(3);
    expect(spawned).toHaveLength(3);
    expect(sup.counts()).toEqual({ desired: 3, running: 1, pending: 2 });
    await queue.sendMany(Array.from({ length: 100 }, (_, i) => `n${i}`));
    await sup.tick(); // within the scale-out cooldown
    expect(sup.desired).toBe(3);
    vi.advanceTimersByTime(5000);
    await sup.tick();
    expect(sup.desired).toBe(4); // clamped to max
    expect(spawned).toHaveLength(4);
  });

  it("scales in only idle workers, after the scale-in cooldown; to zero only after the idle period", async () => {
    const { queue, spawned, sup } = setup(0, 3);
    await queue.sendMany(Array.from({ length: 30 }, (_, i) => `m${i}`));
    await sup.tick();
    expect(spawned).toHaveLength(3);
    spawned[0]!.ready(1); // busy
    spawned[1]!.ready(0);
    spawned[2]!.ready(0);
    // The backlog is taken: 1 in flight, nothing visible.
    const got = [];
    for (let i = 0; i < 3; i++) got.push(...(await queue.receive(10, 0)));
    for (const m of got.slice(1)) await queue.ack(m.receipt);
    vi.advanceTimersByTime(30_000);
    await sup.tick();
    expect(sup.desired).toBe(1);
    expect(spawned.map((w) => w.stops)).toEqual([0, 1, 1]); // the busy one keeps running
    await queue.ack(got[0]!.receipt);
    vi.advanceTimersByTime(30_000);
    await sup.tick(); // idle, but not for idleBeforeZeroMs yet
    expect(sup.desired).toBe(1);
    spawned[0]!.ready(0);
    vi.advanceTimersByTime(60_000);
    await sup.tick();
    expect(sup.desired).toBe(0);
    expect(spawned[0]!.stops).toBe(1);
    expect(sup.live()).toEqual([]);
  });

  it("replaces a worker that dies, backing off when workers die right after starting", async () => {
    const { spawned, sup } = setup(2, 2);
    sup.reconcile();
    expect(spawned).toHaveLength(2);
    spawned.forEach((w) => w.ready());
    vi.advanceTimersByTime(20_000);
    spawned[0]!.die();
    await flush();
    expect(spawned).toHaveLength(3); // replaced at once: it had lived long
    expect(sup.replaced).toBe(1);
    spawned[2]!.die(); // dies right after start: back off 1 s
    await flush();
    expect(spawned).toHaveLength(3);
    vi.advanceTimersByTime(1000);
    await sup.tick();
    expect(spawned).toHaveLength(4);
    spawned[3]!.die(); // again: 2 s
    await flush();
    vi.advanceTimersByTime(1000);
    await sup.tick();
    expect(spawned).toHaveLength(4);
    vi.advanceTimersByTime(1000);
    await sup.tick();
    expect(spawned).toHaveLength(5);
    expect(sup.replaced).toBe(3);
    const exits = await sup.close();
    expect(exits).toHaveLength(2);
  });
});
