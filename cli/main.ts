// The `leanfleet` command line: up (local cluster), check FILE.lean, eval DATASET.jsonl, status. Talks to the local
// cluster by default, or to --endpoint / LEANFLEET_ENDPOINT with --api-key / LEANFLEET_API_KEY.
import { CommanderError } from "commander";
import { buildProgram } from "./program.js";

const io = {
  out: (s: string) => void process.stdout.write(s + "\n"), err: (s: string) => void process.stderr.write(s + "\n") };
try {
  await buildProgram(io).parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    process.exitCode = err.exitCode;
  } else {
    process.stderr.write(`leanfleet: ${(err as Error).message}\n`);
    process.exitCode = 2;
  }
}
