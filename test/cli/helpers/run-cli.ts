// Runs the `leanfleet` program in-process against an endpoint, capturing what it prints, its exit code and any error
// it throws (the real binary prints those as `leanfleet: message` and exits 2).
import { buildProgram } from "../../../cli/program.js";

/** What one in-process CLI run printed and how it ended. */
export interface CliRun {
  out: string[];
  err: string[];
  code: number;
  thrown: Error | undefined;
}

/** Run `leanfleet --endpoint <endpoint> ...args`; process.exitCode is restored afterwards. */
export async function runCli(endpoint: string, ...args: string[]): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const before = process.exitCode;
  process.exitCode = undefined;
  let thrown: Error | undefined;
  try {
    await buildProgram({ out: (s) => out.push(s), err: (s) => err.push(s) }).parseAsync([
      "node",
      "leanfleet",
      "--endpoint",
      endpoint,
      ...args,
    ]);
  } catch (e) {
    thrown = e as Error;
  }
  const code = process.exitCode ?? 0;
  process.exitCode = before;
  return { out, err, code, thrown };
}
