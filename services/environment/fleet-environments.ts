// Which environments a fleet's workers ran: the markers workers write at start (`environments/by-fleet/<fleet>/`)
// and the one the most recently started worker runs (`environments/latest/<fleet>.json`).
import type { ObjectStore } from "../core/index.js";
import { ENVIRONMENT_ID, fleetEnvironmentsPrefix } from "./environment-record.js";

/** Where the id of the environment a fleet's most recently started worker runs is kept. */
export function latestEnvironmentKey(fleet: string): string {
  return `environments/latest/${fleet}.json`;
}

/** A fleet's environments, oldest first, and the one its latest worker runs. */
export interface FleetEnvironments {
  /** The environment of the most recently started worker; null before any worker started. */
  current: string | null;
  environments: { id: string; firstSeenAt: string | null }[];
}

/** Read a fleet's environments (at most `limit` markers). */
export async function readFleetEnvironments(
  store: Pick<ObjectStore, "get" | "list">,
  fleet: string,
  limit = 100,
): Promise<FleetEnvironments> {
  const prefix = fleetEnvironmentsPrefix(fleet);
  const page = await store.list(prefix, { limit });
  const environments = await Promise.all(
    page.keys.map(async (key) => {
      const id = key.slice(prefix.length).replace(/\.json$/, "");
      let firstSeenAt: string | null = null;
      try {
        const m = JSON.parse((await store.get(key)) ?? "{}") as {
          firstSeenAt?: unknown;
        };
        if (typeof m.firstSeenAt === "string") firstSeenAt = m.firstSeenAt;
      } catch {
        // a damaged marker still names its environment
      }
      return { id, firstSeenAt };
    }),
  );
  environments.sort((a, b) => (a.firstSeenAt ?? "").localeCompare(b.firstSeenAt ?? ""));
  let current: string | null = null;
  try {
    const latest = JSON.parse((await store.get(latestEnvironmentKey(fleet))) ?? "null") as { id?: unknown } | null;
    if (typeof latest?.id === "string" && ENVIRONMENT_ID.test(latest.id)) current = latest.id;
  } catch {
    current = null;
  }
  return {
    current,
    environments: environments.filter((e) => ENVIRONMENT_ID.test(e.id)),
  };
}
