// The `leanfleet` program (commander): global connection options and the commands up, check, eval, report, status,
// env and recheck.
import { Command } from "commander";
import { registerCheck } from "./commands/check.js";
import { registerEnv } from "./commands/env.js";
import { registerEval } from "./commands/eval.js";
import { registerRecheck } from "./commands/recheck.js";
import { registerReport } from "./commands/report.js";
import { registerStatus } from "./commands/status.js";
import { registerUp } from "./commands/up.js";
import { CLI_ENV, DEFAULT_ENDPOINT } from "./connection.js";
import type { CliIo } from "./io.js";

export type { CliIo } from "./io.js";

/** Build the program (tests pass their own io). */
export function buildProgram(io: CliIo): Command {
  const program = new Command("leanfleet")
    .description("Check Lean 4 code at scale")
    .option(
      "--endpoint <url>",
      `LeanFleet API (env ${CLI_ENV.endpoint}; default ${DEFAULT_ENDPOINT}, the local cluster)`,
    )
    .option("--api-key <key>", `API key (env ${CLI_ENV.apiKey})`)
    .showHelpAfterError()
    .exitOverride();
  registerUp(program, io);
  registerCheck(program, io);
  registerEval(program, io);
  registerReport(program, io);
  registerStatus(program, io);
  registerEnv(program, io);
  registerRecheck(program, io);
  return program;
}
