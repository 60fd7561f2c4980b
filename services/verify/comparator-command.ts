// Where comparator is: the command a fleet configures (`LEANFLEET_COMPARATOR`, a simulated fleet's stand-in too), or
// `comparator` on PATH. A fleet without one answers strict jobs `rejected` (never a silent downgrade to fast).
import { existsSync } from "node:fs";
import { delimiter, join } from "node:path";

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
