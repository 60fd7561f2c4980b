// The command line of a REPL process, and finding executables on a PATH (for the REPL, lake, lean and prlimit).
import { accessSync, constants, statSync } from "node:fs";
import { delimiter, join, resolve } from "node:path";

/** The process to spawn for a REPL: file, arguments, working directory and extra environment. */
export interface ReplCommand {
  file: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
}

/** Find an executable by name on a PATH string; null when absent. Names with a slash are checked as paths. */
export function findExecutable(name: string, pathVar: string | undefined): string | null {
  const candidates = name.includes("/")
    ? [resolve(name)]
    : (pathVar ?? "")
        .split(delimiter)
        .filter(Boolean)
        .map((d) => join(d, name));
  for (const c of candidates) {
    try {
      accessSync(c, constants.X_OK);
      if (statSync(c).isFile()) return c;
    } catch {
      // not here
    }
  }
  return null;
}
