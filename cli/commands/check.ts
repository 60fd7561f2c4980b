// `leanfleet check FILE.lean`: check one file and print its messages like a compiler; exit 0 valid, 1 invalid.
import { readFile } from "node:fs/promises";
import { basename } from "node:path";
import type { Command } from "commander";
import { connect, type ConnectionOptions } from "../connection.js";
import { checkExitCode, formatMessages, SIMULATED_BANNER, verdictLine } from "../diagnostics.js";

/** Options of `check`. */
interface CheckOptions {
  fleet?: string;
  timeoutMs?: string;
  json?: boolean;
}

/** Register `check`. */
export function registerCheck(program: Command, io: { out: (s: string) => void; err: (s: string) => void }): void {
  program
    .command("check")
    .description("check one Lean file; prints messages as file:line:col: severity: text; exit 0 valid, 1 invalid")
    .argument("<file>", "a .lean file")
    .option("--fleet <name>", "fleet (Lean environment) to check on")
    .option("--timeout-ms <ms>", "kill the REPL after this long (status timeout)")
    .option("--json", "print the stored result as JSON instead")
    .action(async (file: string, opts: CheckOptions, cmd: Command) => {
      const conn = cmd.optsWithGlobals<ConnectionOptions>();
      const content = await readFile(file, "utf8");
      const timeoutMs = opts.timeoutMs === undefined ? undefined : Number(opts.timeoutMs);
      if (timeoutMs !== undefined && (!Number.isInteger(timeoutMs) || timeoutMs < 100)) throw new Error(`--timeout-ms must be a whole number >= 100, got ${opts.timeoutMs}`);
      const client = connect(conn, process.env, (line) => io.err(line));
      const result = await client.check(
        { file: { content, name: basename(file) }, ...(opts.fleet ? { fleet: opts.fleet } : {}), ...(timeoutMs ? { timeoutMs } : {}) },
        { timeoutMs: (timeoutMs ?? 60_000) + 15 * 60_000 },
      );
      if (opts.json) {
        io.out(JSON.stringify(result, null, 2));
      } else {
        if (result.simulated) io.out(SIMULATED_BANNER);
        for (const m of formatMessages(file, result)) io.out(m);
        io.out(verdictLine(file, result));
      }
      process.exitCode = checkExitCode(result);
    });
}
