// Creates the local cluster's directories (--data, logs) one level at a time and checks that they are writable.
// Not mkdirSync({recursive: true}): on Node 22 it never returns for a path under /proc (mkdir answers ENOENT there
// although the parent exists, and Node retries the parent forever).
import { accessSync, constants, existsSync, mkdirSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { LocalClusterError } from "./errors.js";

/** Create `dir` (and missing parents) if needed and return its absolute path; errors name `label`, the path and the fix. */
export function ensureWritableDir(dir: string, label: string): string {
  const abs = resolve(dir);
  const fix = `use a directory you can create and write to, e.g. ${label} ./leanfleet-data`;
  const missing: string[] = [];
  let existing = abs;
  while (!existsSync(existing)) {
    missing.unshift(existing);
    const parent = dirname(existing);
    if (parent === existing) break;
    existing = parent;
  }
  if (!statSync(existing).isDirectory())
    throw new LocalClusterError(`${label} ${JSON.stringify(dir)}: ${existing} is not a directory; ${fix}`);
  for (const d of missing) {
    try {
      mkdirSync(d);
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      if (e.code !== "EEXIST")
        throw new LocalClusterError(
          `${label} ${JSON.stringify(dir)}: cannot create ${d} (${e.code ?? e.message}); ${fix}`,
        );
    }
  }
  try {
    accessSync(abs, constants.W_OK);
  } catch (err) {
    throw new LocalClusterError(
      `${label} ${JSON.stringify(dir)}: ${abs} is not writable (${(err as NodeJS.ErrnoException).code}); ${fix}`,
    );
  }
  return abs;
}
