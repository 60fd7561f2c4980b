// Where comparator is: the command a fleet configures (`LEANFLEET_COMPARATOR`), or the comparator double for a
// simulated fleet. A fleet without one answers strict jobs `rejected` (never a silent downgrade to fast).
import { existsSync } from "node:fs";
import { delimiter, join } from "node:path";
import { REPO_ROOT } from "../repl/index.js";

/** The comparator double (test/fixtures): honours comparator's command line; every answer it gives is simulated. */
export const COMPARATOR_DOUBLE_PATH = join(REPO_ROOT, "test/fixtures/comparator-double.ts");

/** The command (before the config path) that runs the comparator double with this Node. */
export function comparatorDoubleCommand(flags: readonly string[] = []): string[] {
  return [process.execPath, "--disable-warning=ExperimentalWarning", COMPARATOR_DOUBLE_PATH, ...flags];
}

/**
 * Parse a configured comparator: `none` (no strict stage), a JSON array (the whole command before the config path,
 * e.g. `["lake","env","/opt/comparator/bin/comparator"]`), or the path of the comparator binary, which is then run as
 * comparator's README says: `lake env <path>` from the project root. Unset: `comparator` found on PATH, else none.
 */
export function resolveComparator(value: string | undefined, pathVar = process.env.PATH ?? ""): string[] | null {
  const v = value?.trim();
  if (v === "none") return null;
  if (v !== undefined && v !== "") {
    if (v.startsWith("[")) {
      const parsed = JSON.parse(v) as unknown;
      if (!Array.isArray(parsed) || parsed.length === 0 || !parsed.every((s) => typeof s === "string" && s !== "")) {
        throw new RangeError(
          `LEANFLEET_COMPARATOR=${v}: a JSON value must be a non-empty array of strings (the command before the config path)`,
        );
      }
      return parsed as string[];
    }
    return ["lake", "env", v];
  }
  for (const dir of pathVar.split(delimiter)) {
    if (dir !== "" && existsSync(join(dir, "comparator"))) return ["lake", "env", join(dir, "comparator")];
  }
  return null;
}
