// The strict stage: leanprover/comparator on one candidate, in a fresh process in a scratch copy of the fleet's
// project, under its own timeout, memory limit and concurrency limit. Outcomes are data; no process outlives it.
import type { ChildProcess } from "node:child_process";
import { execa } from "execa";
import pLimit, { type LimitFunction } from "p-limit";
import {
  processTreeRss,
  signalProcessGroup,
  trackProcessGroup,
  untrackProcessGroup,
  withAddressSpaceLimit,
  type ReplCommand,
} from "../repl/index.js";
import type { Check } from "./checks.js";
import { prepareScratch, type ComparatorConfig } from "./scratch-project.js";

/** Defaults of {@link StrictChecker}. */
export const STRICT_DEFAULTS = {
  /** Longest one comparator run may take (it builds both modules, exports and replays them). @default 600000 */
  timeoutMs: 600_000,
  /** Memory of comparator's process tree (RLIMIT_AS per process and an RSS watchdog on the tree). @default 8192 */
  memoryLimitMiB: 8192,
  /** Comparator runs at once per worker (each builds Lean modules: CPU and memory heavy). @default 1 */
  concurrency: 1,
  /** How often the RSS watchdog samples the tree. @default 250 */
  memorySampleMs: 250,
  /** Grace between SIGTERM and SIGKILL of the process group. @default 2000 */
  killGraceMs: 2000,
  /** Bytes of stdout and stderr kept for the reason and the record. @default 8192 */
  outputTailBytes: 8192,
} as const;

/** How to run comparator and where. */
export interface StrictCheckerOptions {
  /** The command before the config path, e.g. `["lake", "env", "/opt/comparator/bin/comparator"]`. */
  command: string[];
  /** The fleet's Lake project (null: plain Lean). */
  projectDir: string | null;
  /** Environment for comparator (PATH with landrun and lean4export; COMPARATOR_* overrides). @default process.env */
  env?: Record<string, string | undefined>;
  /** Where scratch projects are made. @default os.tmpdir() */
  scratchRoot?: string;
  timeoutMs?: number;
  memoryLimitMiB?: number;
  /**
   * RLIMIT_AS of each process of the run, MiB; null for none (the RSS watchdog still applies). Node-based stand-ins
   * (the comparator double) reserve more address space than they use and cannot run under one.
   * @default - memoryLimitMiB
   */
  addressSpaceLimitMiB?: number | null;
  concurrency?: number;
  killGraceMs?: number;
}

/** One candidate for the strict stage. */
export interface StrictInput {
  /** The statement as a Lean module (header + theorems with `sorry`). */
  challenge: string;
  /** The candidate as a Lean module. */
  solution: string;
  theorems: string[];
  permittedAxioms: readonly string[];
}

/** How a strict run ended: `ok` (comparator answered; the check says whether it accepted), or it did not answer. */
export type StrictOutcome =
  | { status: "ok"; check: Check; durationMs: number; pid: number; output: string }
  | { status: "timeout" | "crashed"; reason: string; durationMs: number; pid: number | null; output: string };

/** Keeps the last `max` bytes of a stream's text. */
class Tail {
  #text = "";
  constructor(private readonly max: number) {}
  push(chunk: Buffer): void {
    this.#text = (this.#text + chunk.toString("utf8")).slice(-this.max);
  }
  get text(): string {
    return this.#text;
  }
}

/** The line comparator's failure names (`uncaught exception: …`), or the last line of output. */
export function comparatorReason(stderr: string, stdout: string): string {
  const uncaught = /uncaught exception: (.*)/.exec(stderr);
  if (uncaught) return uncaught[1]!.trim();
  const rejects = /(.* kernel reject(?:s|ed) the solution)/.exec(stdout);
  if (rejects) return rejects[1]!.trim();
  const last = (stderr.trim() || stdout.trim()).split("\n").at(-1) ?? "";
  return last === "" ? "comparator failed without a message" : last;
}

/** Runs comparator under limits, `concurrency` at a time. */
export class StrictChecker {
  readonly #o: Required<Omit<StrictCheckerOptions, "scratchRoot" | "env" | "addressSpaceLimitMiB">> &
    Pick<StrictCheckerOptions, "scratchRoot" | "env" | "addressSpaceLimitMiB">;
  readonly #limit: LimitFunction;

  constructor(options: StrictCheckerOptions) {
    if (options.command.length === 0)
      throw new RangeError('command: must name comparator (e.g. ["lake", "env", "comparator"])');
    this.#o = {
      timeoutMs: STRICT_DEFAULTS.timeoutMs,
      memoryLimitMiB: STRICT_DEFAULTS.memoryLimitMiB,
      concurrency: STRICT_DEFAULTS.concurrency,
      killGraceMs: STRICT_DEFAULTS.killGraceMs,
      ...options,
    };
    this.#limit = pLimit(this.#o.concurrency);
  }

  /** Runs currently going. */
  get running(): number {
    return this.#limit.activeCount;
  }

  /** Check one candidate in a fresh process (waits for a free place first). */
  check(input: StrictInput, options: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<StrictOutcome> {
    return this.#limit(async () => {
      const config: Omit<ComparatorConfig, "challenge_module" | "solution_module"> = {
        theorem_names: input.theorems,
        permitted_axioms: [...input.permittedAxioms],
      };
      const scratch = await prepareScratch({
        projectDir: this.#o.projectDir,
        challenge: input.challenge,
        solution: input.solution,
        config,
        ...(this.#o.scratchRoot ? { root: this.#o.scratchRoot } : {}),
      });
      try {
        return await this.#run(
          scratch.dir,
          scratch.configPath,
          Math.min(options.timeoutMs ?? this.#o.timeoutMs, this.#o.timeoutMs),
          options.signal,
        );
      } finally {
        await scratch.remove();
      }
    });
  }

  async #run(cwd: string, configPath: string, timeoutMs: number, signal?: AbortSignal): Promise<StrictOutcome> {
    const [file, ...args] = this.#o.command;
    const command: ReplCommand = withAddressSpaceLimit(
      { file: file!, args: [...args, configPath], cwd, env: {} },
      this.#o.addressSpaceLimitMiB === undefined ? this.#o.memoryLimitMiB : this.#o.addressSpaceLimitMiB,
    );
    const started = performance.now();
    const durationMs = () => performance.now() - started;
    const cp = await startDetached(command, this.#o.env);
    if (cp instanceof Error) {
      return {
        status: "crashed",
        reason: `could not start comparator (${this.#o.command.join(" ")}): ${cp.message}`,
        durationMs: durationMs(),
        pid: null,
        output: "",
      };
    }
    const pid = cp.pid!;
    trackProcessGroup(pid);
    const stdout = new Tail(STRICT_DEFAULTS.outputTailBytes);
    const stderr = new Tail(STRICT_DEFAULTS.outputTailBytes);
    cp.stdout!.on("data", (c: Buffer) => stdout.push(c));
    cp.stderr!.on("data", (c: Buffer) => stderr.push(c));
    const guard = this.#guard(pid, timeoutMs, signal);
    const exit = await new Promise<ComparatorExit>((resolve) =>
      cp.once("exit", (code, sig) => resolve({ code, signal: sig })),
    );
    guard.release();
    signalProcessGroup(pid, "SIGKILL"); // stragglers of the group die with comparator
    untrackProcessGroup(pid);
    await new Promise<void>((resolve) =>
      cp.stdout!.readableEnded && cp.stderr!.readableEnded ? resolve() : cp.once("close", () => resolve()),
    );
    return outcomeOf(exit, guard.killed(), stdout.text, stderr.text, { durationMs: durationMs(), pid });
  }

  /**
   * Kill comparator's process group (SIGTERM, SIGKILL after the grace) when it passes its time, goes over its memory
   * limit, or the caller aborts; `killed()` says which came first, `release()` stops watching once it exited.
   */
  #guard(pid: number, timeoutMs: number, signal: AbortSignal | undefined): { killed(): Kill | null; release(): void } {
    let killed: Kill | null = null;
    const kill = (why: Kill) => {
      if (killed !== null) return;
      killed = why;
      signalProcessGroup(pid, "SIGTERM");
      setTimeout(() => signalProcessGroup(pid, "SIGKILL"), this.#o.killGraceMs).unref();
    };
    const timer = setTimeout(
      () => kill({ status: "timeout", reason: `comparator timed out after ${timeoutMs} ms` }),
      timeoutMs,
    );
    const limitBytes = this.#o.memoryLimitMiB * 1024 * 1024;
    const sampler = setInterval(() => {
      void processTreeRss(pid).then(
        ({ rssBytes }) => {
          if (rssBytes > limitBytes)
            kill({
              status: "crashed",
              reason: `comparator used ${Math.round(rssBytes / 2 ** 20)} MiB, over its limit of ${this.#o.memoryLimitMiB} MiB`,
            });
        },
        () => undefined,
      );
    }, STRICT_DEFAULTS.memorySampleMs);
    const onAbort = () => kill({ status: "crashed", reason: "aborted" });
    signal?.addEventListener("abort", onAbort, { once: true });
    return {
      killed: () => killed,
      release: () => {
        clearTimeout(timer);
        clearInterval(sampler);
        signal?.removeEventListener("abort", onAbort);
      },
    };
  }
}

/** Why the checker killed comparator. */
type Kill = { status: "timeout" | "crashed"; reason: string };
/** How comparator's process ended. */
type ComparatorExit = { code: number | null; signal: string | null };

/** Start comparator detached (its own process group), with piped output; the spawn error when it cannot start. */
async function startDetached(
  command: ReplCommand,
  env: Record<string, string | undefined> | undefined,
): Promise<ChildProcess | Error> {
  const sub = execa(command.file, command.args, {
    cwd: command.cwd,
    ...(env ? { env, extendEnv: false } : {}),
    detached: true,
    cleanup: false,
    buffer: false,
    reject: false,
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
    forceKillAfterDelay: false,
  });
  const cp = sub.nodeChildProcess;
  const spawned = await new Promise<Error | null>((resolve) => {
    cp.once("spawn", () => resolve(null));
    cp.once("error", (err) => resolve(err));
  });
  return spawned ?? cp;
}

/** The outcome of a run that ended: killed (timeout, crash), accepted, rejected (an answer), or a crash. */
function outcomeOf(
  exit: ComparatorExit,
  killed: Kill | null,
  stdout: string,
  stderr: string,
  run: { durationMs: number; pid: number },
): StrictOutcome {
  const output = `${stdout}${stderr ? `\n[stderr]\n${stderr}` : ""}`;
  if (killed !== null) return { status: killed.status, reason: killed.reason, ...run, output };
  if (exit.code === 0) return { status: "ok", check: { name: "kernel", ok: true }, ...run, output };
  // comparator reports every rejection as an uncaught IO error (exit 1, `uncaught exception: …`) or a kernel's
  // rejection line; exit 1 without either is the program failing (a crash), not an answer about the proof.
  const answered = /uncaught exception: /.test(stderr) || / kernel reject(?:s|ed) the solution/.test(stdout);
  if (exit.code === 1 && answered)
    return {
      status: "ok",
      check: { name: "kernel", ok: false, reason: `comparator: ${comparatorReason(stderr, stdout)}` },
      ...run,
      output,
    };
  const how = exit.signal !== null ? `killed by ${exit.signal}` : `exit code ${exit.code}`;
  return {
    status: "crashed",
    reason: `comparator ended with ${how}: ${comparatorReason(stderr, stdout)}`,
    ...run,
    output,
  };
}
