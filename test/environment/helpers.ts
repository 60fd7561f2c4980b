// Shared by the environment tests that drive the local stack: a cluster of two fleets on the REPL double, each at its
// own double --lean-version, kept in one data directory so that it can be restarted (on another version).
import { readFileSync } from "node:fs";
import { startLocalCluster, type LocalCluster } from "../../services/local-cluster/index.js";

/** Start the local stack with `fleets` (name → double --lean-version) in `dataDir`. */
export function startStack(
  dataDir: string,
  logDir: string,
  fleets: Record<string, string>,
  workers = 1,
  workerEnv: Record<string, string> = {},
): Promise<LocalCluster> {
  return startLocalCluster({
    workers: { min: workers, max: workers },
    simulate: true,
    port: 0,
    dataDir,
    logDir,
    fleets: Object.keys(fleets),
    replsPerWorker: 1,
    pollWaitSeconds: 1,
    drainSeconds: 5,
    scaling: { intervalMs: 250 },
    workerEnv,
    fleetWorkerEnv: Object.fromEntries(
      Object.entries(fleets).map(([f, v]) => [f, { LEANFLEET_DOUBLE_FLAGS: `--lean-version ${v}` }]),
    ),
    onNotice: () => undefined,
  });
}

/** GET a JSON document of the API. */
export async function getJson<T = Record<string, unknown>>(
  endpoint: string,
  path: string,
): Promise<{ status: number; body: T }> {
  const res = await fetch(`${endpoint}${path}`);
  return { status: res.status, body: (await res.json()) as T };
}

/** The environment the fleet's most recently started worker runs (other than `not`: a marker left by a stopped stack). */
export async function currentEnvironment(
  endpoint: string,
  fleet: string,
  not?: string,
  timeoutMs = 30_000,
): Promise<string> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const { body } = await getJson<{
      fleets: { fleet: string; environments?: { current: string | null } }[];
    }>(endpoint, "/v1/cluster");
    const current = body.fleets.find((f) => f.fleet === fleet)?.environments?.current;
    if (current && current !== not) return current;
    if (Date.now() > end) throw new Error(`fleet ${fleet} reports no environment after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Non-empty lines of a JSON Lines file, parsed. */
export function jsonLines<T = Record<string, unknown>>(path: string): T[] {
  return readFileSync(path, "utf8")
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l) as T);
}

/** Wait until `check` holds. */
export async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
