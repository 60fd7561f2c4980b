// `leanfleet env ID`: the environment record a result's `env` names (what checked it), as JSON.
import type { Command } from "commander";
import { connect, type ConnectionOptions } from "../connection.js";
import type { CliIo } from "../io.js";

/** Register `env`. */
export function registerEnv(program: Command, io: CliIo): void {
  program
    .command("env")
    .description("print an environment record (a result's env: Lean, packages, REPL, tools, image, LeanFleet) as JSON")
    .argument("<id>", "an environment id, e.g. env-3f9a1c0d")
    .action(async (id: string, _opts: unknown, cmd: Command) => {
      const client = connect(cmd.optsWithGlobals<ConnectionOptions>());
      const record = await client.environment(id);
      if (record.simulated)
        io.err("SIMULATED: this environment is the REPL double; its verdicts are not Lean verdicts.");
      io.out(JSON.stringify(record, null, 2));
    });
}
