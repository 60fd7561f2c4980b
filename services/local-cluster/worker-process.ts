// One worker OS process of the local cluster: spawned in its own process group with the cluster's tag, its output
// appended to a log file, its readiness read from the "worker ready" log line, its health polled over HTTP.
import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, type WriteStream } from "node:fs";
import { createInterface } from "node:readline";
import type { SupervisedWorker } from "./fleet-supervisor.js";
import { WORKER_ENV } from "../worker/index.js";
import { isAlive, killTagged, LOCAL_TAG_ENV } from "./process-sweep.js";

/** Lifecycle of a worker process. */
export type WorkerState = "pending" | "running" | "stopping" | "exited";

/** The last health report read from a worker (the subset the supervisor uses). */
export interface WorkerHealth {
  status: string;
  jobsRunning: number;
  jobsDone: number;
  repls: { size: number; alive: number; busy: number; restarts: number };
  lastReceiveAt: string | null;
}

/** How to start one worker process. */
export interface WorkerProcessOptions {
  workerId: string;
  fleet: string;
  /** Entry point and arguments after the Node binary, e.g. `["--import", "tsx", ".../main.ts"]`. */
  args: string[];
  env: Record<string, string>;
  /** Tag put in the environment of the worker and (by inheritance) of every process under it. */
  tag: string;
  logFile: string;
  cwd: string;
}

/** How a worker process ended. */
export interface WorkerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** True when the supervisor asked it to stop (scale-in or cluster close). */
  requested: boolean;
  /** Pids of orphans (its REPLs) killed after it died. */
  orphansKilled: number[];
}

/** A spawned worker. */
export class WorkerProcess implements SupervisedWorker {
  readonly workerId: string;
  readonly fleet: string;
  readonly tag: string;
  readonly startedAtMs = Date.now();
  readonly exited: Promise<WorkerExit>;
  state: WorkerState = "pending";
  healthPort: number | undefined;
  health: WorkerHealth | undefined;
  readonly #child: ChildProcess;
  readonly #log: WriteStream;
  #requested = false;

  constructor(o: WorkerProcessOptions) {
    this.workerId = o.workerId;
    this.fleet = o.fleet;
    this.tag = o.tag;
    this.#log = createWriteStream(o.logFile, { flags: "a" });
    this.#log.on("error", () => undefined); // a lost log file must not take the supervisor down
    // stdin stays an open pipe: when the supervisor dies it closes, and the worker (LEANFLEET_EXIT_WITH_PARENT) stops.
    this.#child = spawn(process.execPath, o.args, {
      cwd: o.cwd,
      env: { ...o.env, [LOCAL_TAG_ENV]: o.tag, [WORKER_ENV.workerId]: o.workerId, [WORKER_ENV.exitWithParent]: "1" },
      stdio: ["pipe", "pipe", "pipe"],
      detached: true,
    });
    this.#child.stdin?.on("error", () => undefined);
    this.#child.stderr?.pipe(this.#log, { end: false });
    const lines = createInterface({ input: this.#child.stdout! });
    lines.on("line", (line) => {
      this.#log.write(line + "\n");
      if (this.state === "pending" && line.includes('"worker ready"')) {
        try {
          const ready = JSON.parse(line) as { healthPort?: number | null };
          if (typeof ready.healthPort === "number") this.healthPort = ready.healthPort;
        } catch {
          // a line that only mentions the phrase
        }
        this.state = "running";
      }
    });
    this.exited = new Promise<WorkerExit>((resolve) => {
      this.#child.once("exit", (code, signal) => {
        this.state = "exited";
        // Whatever the worker left behind (REPLs orphaned by a SIGKILL) carries its tag.
        void killTagged(this.tag).then((orphansKilled) => {
          this.#log.end();
          resolve({ code, signal, requested: this.#requested, orphansKilled });
        });
      });
    });
  }

  /** Process id of the worker (also its process group id). */
  get pid(): number {
    return this.#child.pid ?? -1;
  }

  /** True while the worker process (not a zombie) exists. */
  get alive(): boolean {
    return this.state !== "exited" && isAlive(this.pid);
  }

  /** Ask the worker to drain and exit (SIGTERM); SIGKILL its group if it has not exited within `graceMs`. */
  async stop(graceMs: number): Promise<WorkerExit> {
    if (this.state !== "exited") {
      this.#requested = true;
      this.state = "stopping";
      this.#signal("SIGTERM", false);
      const timer = setTimeout(() => this.#signal("SIGKILL", true), graceMs);
      timer.unref();
      void this.exited.finally(() => clearTimeout(timer));
    }
    return this.exited;
  }

  /** SIGKILL the worker's process group now. */
  kill(): Promise<WorkerExit> {
    this.#requested = true;
    this.#signal("SIGKILL", true);
    return this.exited;
  }

  /** Read the worker's health endpoint (bounded by `timeoutMs`); keeps the last good report. */
  async pollHealth(timeoutMs = 1000): Promise<WorkerHealth | undefined> {
    if (this.state !== "running" || this.healthPort === undefined) return this.health;
    try {
      const res = await fetch(`http://127.0.0.1:${this.healthPort}/health`, { signal: AbortSignal.timeout(timeoutMs) });
      this.health = (await res.json()) as WorkerHealth;
    } catch {
      // keep the previous report; the exit handler notices a dead worker
    }
    return this.health;
  }

  #signal(signal: NodeJS.Signals, group: boolean): void {
    try {
      process.kill(group ? -this.pid : this.pid, signal);
    } catch {
      // already gone
    }
  }
}
