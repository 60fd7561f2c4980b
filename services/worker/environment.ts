// The worker's environment at start: read its record once (services/environment), refuse to run on another
// toolchain or project revision than the fleet declares, and store the record (once per id) and the fleet's marker.
import {
  environmentId,
  environmentKey,
  environmentMismatches,
  fleetEnvironmentsPrefix,
  latestEnvironmentKey,
  matchingAdvisories,
  readEnvironment,
  SHIPPED_ADVISORIES,
  type Advisory,
  type EnvironmentRecord,
  type ReadEnvironmentInput,
} from "../environment/index.js";
import { EnvironmentMismatchError } from "./errors.js";
import type { ObjectStore } from "../core/index.js";

/** What the worker established about its environment. */
export interface WorkerEnvironment {
  id: string;
  record: EnvironmentRecord;
  /** Ids of the advisories this environment falls under (every result carries them). */
  advisories: string[];
}

/** Options of {@link establishEnvironment}. */
export interface EstablishOptions {
  fleet: string;
  workerId: string;
  read: ReadEnvironmentInput;
  /** What the fleet declares (from LEANFLEET_EXPECT_*). */
  expect: { toolchain?: string; projectRev?: string };
  store: ObjectStore;
  /** The advisory list. @default SHIPPED_ADVISORIES (advisories/lean-advisories.json) */
  advisories?: readonly Advisory[];
  /** @default Date.now */
  now?: () => number;
}

/**
 * Read the record, check it against what the fleet declares (throws {@link EnvironmentMismatchError} naming both),
 * then store `environments/<id>.json` and the marker `environments/by-fleet/<fleet>/<id>.json` (first writer wins:
 * the record is content-addressed, the marker keeps when the fleet first ran it), and `environments/latest/<fleet>.json`.
 */
export async function establishEnvironment(o: EstablishOptions): Promise<WorkerEnvironment> {
  const record = await readEnvironment(o.read);
  const problems = environmentMismatches(record, o.expect);
  if (problems.length > 0) throw new EnvironmentMismatchError(problems);
  const id = environmentId(record);
  const now = new Date((o.now ?? Date.now)()).toISOString();
  await o.store.put(environmentKey(id), JSON.stringify({ id, ...record }), {
    ifAbsent: true,
    contentType: "application/json",
  });
  await o.store.put(
    `${fleetEnvironmentsPrefix(o.fleet)}${id}.json`,
    JSON.stringify({
      id,
      fleet: o.fleet,
      firstSeenAt: now,
      firstWorker: o.workerId,
    }),
    { ifAbsent: true, contentType: "application/json" },
  );
  // Unconditional: the environment the fleet runs now (what `eval --resume` compares against).
  await o.store.put(latestEnvironmentKey(o.fleet), JSON.stringify({ id, at: now, worker: o.workerId }), {
    contentType: "application/json",
  });
  return {
    id,
    record,
    advisories: matchingAdvisories(record, o.advisories ?? SHIPPED_ADVISORIES),
  };
}
