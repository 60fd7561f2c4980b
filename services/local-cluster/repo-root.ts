// Where the checkout is: the local cluster runs its processes (the API, the workers) from the source tree.
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root (two levels above services/local-cluster). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
