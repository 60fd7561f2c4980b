// ReplProcess: one spawned REPL process in its own process group and session: spawn, write, stdout/stderr drained,
// stop (SIGTERM to the tree, SIGKILL after a grace), and one "gone" notice once it has exited and its pipes closed.
import type { ChildProcess } from "node:child_process";
import { execa } from "execa";
import type { LeanReplConfig } from "../config.js";
import type { ReplCommand } from "./command.js";
import { ReplSetupError } from "../errors.js";
import {
  signalProcessGroup,
  signalTree,
  trackProcessGroup,
  untrackProcessGroup,
  withAddressSpaceLimit,
} from "./process-tree.js";
import { StderrRing } from "./stderr-ring.js";

/** Why the supervisor stopped a process (null in {@link ReplProcess.killReason}: it ended by itself). */
export type KillReason = "timeout" | "memory" | "abort" | "close" | "protocol" | "stdout-eof" | "restart";

/** How a process ended. */
export interface ReplExit {
  code: number | null;
  signal: string | null;
}

/** Callbacks of a spawned process. */
export interface ReplProcessHandlers {
  /** Bytes the REPL wrote to stdout. */
  onStdout(chunk: Buffer): void;
  /** The process exited and its pipes are closed (called once). */
  onGone(): void;
}

/** The RLIMIT_AS to apply: addressSpaceLimitMiB, defaulting to memoryHardLimitMiB; null for none. */
export function addressSpaceLimitOf(config: LeanReplConfig): number | null {
  return config.addressSpaceLimitMiB === undefined ? config.memoryHardLimitMiB : config.addressSpaceLimitMiB;
}

/** One REPL process; the group it leads is killed with it (and SIGKILLed once it exits, for stragglers). */
export class ReplProcess {
  /** Last bytes of this process's stderr (always drained, so a chatty REPL never blocks on a full pipe). */
  readonly stderr: StderrRing;
  /** How it ended; null while it runs. */
  exit: ReplExit | null = null;
  /** Why the supervisor stopped it; null while running or when it ended by itself. */
  killReason: KillReason | null = null;
  /** Resolves once the process has exited and {@link ReplProcessHandlers.onGone} ran. */
  readonly finished: Promise<void>;
  #killTimer: NodeJS.Timeout | null = null;
  readonly #stdin: NodeJS.WritableStream;

  private constructor(
    readonly pid: number,
    stdin: NodeJS.WritableStream,
    stderr: StderrRing,
    finished: Promise<void>,
    private readonly killGraceMs: number,
  ) {
    this.#stdin = stdin;
    this.stderr = stderr;
    this.finished = finished;
  }

  /**
   * Spawn `command` (wrapped in RLIMIT_AS when `config` sets one) detached, i.e. leading its own process group.
   * Rejects with ReplSetupError when the program cannot be started.
   */
  static async spawn(
    command: ReplCommand,
    config: LeanReplConfig,
    handlers: ReplProcessHandlers,
    pathVar = process.env.PATH,
  ): Promise<ReplProcess> {
    const cp = await startDetached(withAddressSpaceLimit(command, addressSpaceLimitOf(config), pathVar));
    let markFinished!: () => void;
    const finished = new Promise<void>((r) => (markFinished = r));
    const proc = new ReplProcess(
      cp.pid!,
      cp.stdin!,
      new StderrRing(config.stderrTailBytes),
      finished,
      config.killGraceMs,
    );
    trackProcessGroup(proc.pid);
    proc.#watch(cp, handlers, markFinished);
    return proc;
  }

  /** Drain the child's pipes into the handlers and the stderr ring, and report it gone once it exited. */
  #watch(cp: ChildProcess, handlers: ReplProcessHandlers, markFinished: () => void): void {
    cp.stdin!.on("error", () => undefined); // EPIPE after a crash: the exit is what gets reported
    cp.stderr!.on("data", (chunk: Buffer) => this.stderr.push(chunk));
    cp.stdout!.on("data", handlers.onStdout);
    cp.stdout!.on("end", () => {
      // Usually the process is exiting (its exit status explains more); one that lives on without stdout is killed.
      setTimeout(() => this.exit === null && this.terminate("stdout-eof", "SIGKILL"), 200).unref();
    });
    let closed = false;
    cp.once("close", () => (closed = true));
    cp.once("exit", (code, signal) => {
      this.exit = { code, signal };
      if (this.#killTimer) clearTimeout(this.#killTimer);
      signalProcessGroup(this.pid, "SIGKILL"); // stragglers of the group (e.g. a grandchild) die with the REPL
      untrackProcessGroup(this.pid);
      // Let stdout deliver what the REPL wrote before exiting; a descendant outside the group may hold the pipe.
      const finalize = () => {
        cp.stdout!.destroy();
        cp.stderr!.destroy();
        handlers.onGone();
        markFinished();
      };
      if (closed) return finalize();
      const t = setTimeout(finalize, 200);
      cp.once("close", () => {
        clearTimeout(t);
        finalize();
      });
    });
  }

  /** True until the process exits. */
  get alive(): boolean {
    return this.exit === null;
  }

  /** Write request bytes to the REPL's stdin. */
  write(text: string): void {
    this.#stdin.write(text);
  }

  /** Stop the process for `reason`: signal its tree now; after SIGTERM, SIGKILL follows killGraceMs later. */
  terminate(reason: KillReason, signal: NodeJS.Signals): void {
    if (this.exit !== null) return;
    this.killReason ??= reason;
    signalTree(this.pid, signal);
    if (signal === "SIGTERM" && this.#killTimer === null) {
      this.#killTimer = setTimeout(() => this.exit === null && signalTree(this.pid, "SIGKILL"), this.killGraceMs);
    }
  }

  /** Close stdin, SIGTERM the tree (SIGKILL after the grace) and wait until the process is gone. */
  async stop(reason: KillReason): Promise<void> {
    if (this.exit === null) {
      this.#stdin.end();
      this.terminate(reason, "SIGTERM");
    }
    await this.finished;
  }
}

/** Start the wrapped command detached, with piped stdio; rejects with ReplSetupError when it cannot be started. */
async function startDetached(wrapped: ReplCommand): Promise<ChildProcess> {
  const sub = execa(wrapped.file, wrapped.args, {
    cwd: wrapped.cwd,
    env: wrapped.env,
    extendEnv: true,
    detached: true,
    cleanup: false, // does not cover detached children; process-tree.ts tracks the group instead
    buffer: false,
    reject: false,
    stripFinalNewline: false,
    forceKillAfterDelay: false,
    stdin: "pipe",
    stdout: "pipe",
    stderr: "pipe",
  });
  void sub.then(
    () => undefined,
    () => undefined,
  );
  const cp = sub.nodeChildProcess;
  await new Promise<void>((resolve, reject) => {
    cp.once("spawn", resolve);
    cp.once("error", (err: NodeJS.ErrnoException) =>
      reject(
        new ReplSetupError(
          `could not start the REPL ${JSON.stringify([wrapped.file, ...wrapped.args].join(" "))}: ${err.message}`,
          { code: err.code },
        ),
      ),
    );
  });
  return cp;
}
