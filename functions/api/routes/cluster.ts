// GET /v1/cluster: per fleet, queue depth (from its JobQueue), worker task counts (from the ClusterStatus port), how
// many jobs were dead-lettered (settled with a terminal result by the dead-letter consumer) and its environments.
import { Hono } from "hono";
import { countDeadLettered } from "../../../services/dead-letter/index.js";
import { readFleetEnvironments } from "../../../services/environment/index.js";
import type { ApiContext } from "../api-context.js";
import type { ApiEnv } from "../env.js";
import { emptyQuerySchema } from "../schemas.js";
import { parseQuery } from "../validation.js";

/** The /v1/cluster route. */
export function clusterRoutes(ctx: ApiContext): Hono<ApiEnv> {
  const r = new Hono<ApiEnv>();
  r.get("/", async (c) => {
    parseQuery(c, emptyQuerySchema);
    const fleets = await Promise.all(
      ctx.fleets.map(async (fleet) => {
        const [queue, tasks, deadLettered, environments] = await Promise.all([
          ctx.queues[fleet]!.depth().then(
            (d) => ({
              visible: d.visible,
              inFlight: d.inFlight,
              delayed: d.delayed,
              oldestAgeSeconds: d.oldestAgeSeconds ?? null,
            }),
            (err: unknown) => ({ error: err instanceof Error ? err.message : String(err) }),
          ),
          (ctx.cluster?.tasks(fleet) ?? Promise.resolve(undefined)).then(
            (t) => t ?? null,
            (err: unknown) => ({ error: err instanceof Error ? err.message : String(err) }),
          ),
          countDeadLettered(ctx.store, fleet).then(
            (d) => d,
            (err: unknown) => ({ error: err instanceof Error ? err.message : String(err) }),
          ),
          // The environments its workers ran (records at /v1/environments/{id}) and the latest worker's.
          readFleetEnvironments(ctx.store, fleet).then(
            (e) => e,
            (err: unknown) => ({ error: err instanceof Error ? err.message : String(err) }),
          ),
        ]);
        return { fleet, default: fleet === ctx.defaultFleet, queue, tasks, deadLettered, environments };
      }),
    );
    return c.json({ at: new Date(ctx.now()).toISOString(), simulated: ctx.simulated, fleets }, 200);
  });
  return r;
}
