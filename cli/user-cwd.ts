// The directory the user ran `leanfleet` from. `npm run leanfleet` and `npm start` run their script in the repository
// root, and npm keeps the user's directory in INIT_CWD: relative paths (FILE.lean, the dataset, --out, --data, the
// default `*.results.jsonl`) must resolve there, as they do for `npx leanfleet` and a linked `leanfleet`.
import { existsSync } from "node:fs";
import { resolve } from "node:path";

/**
 * The directory to change to before running a command, or undefined to stay. Only under an npm script (npm sets
 * npm_lifecycle_event) that npm started in `root`: an INIT_CWD inherited from some other npm run is not the user's.
 */
export function userDirectory(env: NodeJS.ProcessEnv, cwd: string, root: string): string | undefined {
  const init = env.INIT_CWD;
  if (!init || !env.npm_lifecycle_event || resolve(cwd) !== resolve(root)) return undefined;
  if (resolve(init) === resolve(cwd) || !existsSync(init)) return undefined;
  return resolve(init);
}
