// `leanfleet check FILE.lean [--statement FILE] [--strict]`: check one file and print its messages and failed checks
// like a compiler, then the verdict and trust level; exit 0 valid, 1 invalid. While it waits it says so on stderr.
import { readFile } from "node:fs/promises";
import { basename } from "node:path";
import type { Command } from "commander";
import type { JobAnswer } from "../../services/client/index.js";
import { UsageError } from "../../services/core/index.js";
import { connect, type ConnectionOptions } from "../connection.js";
import { checkExitCode, formatFailedChecks, formatMessages, SIMULATED_BANNER, verdictLine } from "../diagnostics.js";
import type { CliIo } from "../io.js";

/** Defaults of `check`. */
export const CHECK_DEFAULTS = {
  /** Seconds the first request waits on the server for the result, so quick checks answer in one call. @default 2 */
  firstWaitSeconds: 2,
  /** While waiting, a queued / running line at least this often (and at every change of state), in ms. @default 10000 */
  progressEveryMs: 10_000,
} as const;

/** Options of `check`. */
interface CheckOptions {
  fleet?: string;
  timeoutMs?: string;
  json?: boolean;
  statement?: string;
  strict?: boolean;
}

/** Prints where a job stands while `check` waits: on each change of state, and every `everyMs` otherwise. */
export class WaitReporter {
  #state: string | undefined;
  #printedAt = 0;

  constructor(
    private readonly jobId: string,
    private readonly print: (line: string) => void,
    private readonly startedAt: number,
    private readonly everyMs: number = CHECK_DEFAULTS.progressEveryMs,
    private readonly now: () => number = Date.now,
  ) {}

  /** Report a poll's answer. */
  update(answer: Pick<JobAnswer, "state">): void {
    const state = answer.state ?? "queued";
    const t = this.now();
    if (state === this.#state && t - this.#printedAt < this.everyMs) return;
    this.#state = state;
    this.#printedAt = t;
    this.print(`job ${this.jobId}: ${state}, ${Math.round((t - this.startedAt) / 1000)} s`);
  }
}

/** Register `check`. */
export function registerCheck(program: Command, io: CliIo): void {
  program
    .command("check")
    .description(
      "check one Lean file; prints messages and failed checks as file:line:col: severity: text, then the verdict and trust level; exit 0 valid, 1 invalid",
    )
    .argument("<file>", "a .lean file")
    .option("--fleet <name>", "fleet (Lean environment) to check on")
    .option("--timeout-ms <ms>", "kill the REPL after this long (status timeout)")
    .option(
      "--statement <file>",
      "a .lean file with the problem's statement (theorems with sorry proofs): the file must prove exactly these",
    )
    .option("--strict", "also run the strict stage (comparator in a fresh sandboxed process); needs --statement")
    .option("--json", "print the stored result as JSON instead")
    .action(async (file: string, opts: CheckOptions, cmd: Command) => {
      const conn = cmd.optsWithGlobals<ConnectionOptions>();
      const content = await readFile(file, "utf8");
      const timeoutMs = opts.timeoutMs === undefined ? undefined : Number(opts.timeoutMs);
      if (timeoutMs !== undefined && (!Number.isInteger(timeoutMs) || timeoutMs < 100))
        throw new UsageError(`--timeout-ms must be a whole number >= 100, got ${opts.timeoutMs}`);
      if (opts.strict && opts.statement === undefined)
        throw new UsageError(
          "--strict needs --statement FILE: comparator checks the proof against the problem's statement",
        );
      const statement = opts.statement === undefined ? undefined : await readFile(opts.statement, "utf8");
      const client = connect(conn, process.env, (line) => io.err(line));
      const startedAt = Date.now();
      const answer = await client.submit(
        {
          file: { content, name: basename(file) },
          ...(opts.fleet ? { fleet: opts.fleet } : {}),
          ...(timeoutMs ? { timeoutMs } : {}),
          ...(statement !== undefined ? { statement } : {}),
          ...(opts.strict ? { verify: "strict" as const } : {}),
        },
        { wait: CHECK_DEFAULTS.firstWaitSeconds },
      );
      let result = answer.result;
      if (result === undefined) {
        const reporter = new WaitReporter(answer.jobId, io.err, startedAt);
        reporter.update(answer);
        result = await client.wait(answer.jobId, {
          timeoutMs: (timeoutMs ?? 60_000) + 15 * 60_000,
          onPoll: (a) => reporter.update(a),
        });
      }
      if (opts.json) {
        io.out(JSON.stringify(result, null, 2));
      } else {
        if (result.simulated) io.out(SIMULATED_BANNER);
        for (const m of formatMessages(file, result)) io.out(m);
        for (const c of formatFailedChecks(file, result)) io.out(c);
        io.out(verdictLine(file, result));
      }
      process.exitCode = checkExitCode(result);
    });
}
