// How the environment reader runs commands: the command-runner port, its execa implementation with a 30 s timeout,
// PATH lookup, and running a command for its output with any failure turned into a named Missing piece.
import { existsSync } from "node:fs";
import { delimiter, join } from "node:path";
import { execa } from "execa";
import { LeanFleetError } from "../core/index.js";
import type { Missing } from "./environment-record.js";

/** Runs a command; never throws for a failed command (exitCode says it), only for one that cannot be run. */
export type CommandRunner = (
  file: string,
  args: string[],
  options: { cwd?: string; env: Record<string, string | undefined> },
) => Promise<{ exitCode: number; stdout: string; stderr: string }>;

/** The default {@link CommandRunner}: execa with a 30 s timeout, no stdin and only the given environment. */
export const execaRunner: CommandRunner = async (file, args, options) => {
  const r = await execa(file, args, {
    ...(options.cwd ? { cwd: options.cwd } : {}),
    env: options.env,
    extendEnv: false,
    timeout: 30_000,
    reject: false,
    stdin: "ignore",
  });
  if (r.failed && r.exitCode === undefined)
    throw new LeanFleetError("not_configured", r.shortMessage ?? "", { file, args: args.slice(0, 8) });
  return {
    exitCode: r.exitCode ?? 1,
    stdout: String(r.stdout),
    stderr: String(r.stderr),
  };
};

/** The first `name` in the directories of `pathVar` (a PATH value), if any. */
export function which(name: string, pathVar: string | undefined): string | undefined {
  for (const dir of (pathVar ?? "").split(delimiter))
    if (dir !== "" && existsSync(join(dir, name))) return join(dir, name);
  return undefined;
}

/** Run a command for its stdout; a non-zero exit or a failure to run becomes a {@link Missing} naming it. */
export async function runText(
  run: CommandRunner,
  file: string,
  args: string[],
  cwd: string | undefined,
  env: Record<string, string | undefined>,
): Promise<{ text: string } | Missing> {
  const shown = [file, ...args].join(" ");
  try {
    const r = await run(file, args, { ...(cwd ? { cwd } : {}), env });
    if (r.exitCode !== 0)
      return {
        missing: `\`${shown}\` exited ${r.exitCode}: ${(r.stderr || r.stdout).trim().slice(0, 300)}`,
      };
    return { text: r.stdout };
  } catch (err) {
    return {
      missing: `\`${shown}\` could not run: ${(err as Error).message.slice(0, 300)}`,
    };
  }
}
