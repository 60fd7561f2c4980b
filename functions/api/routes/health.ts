// GET /health: liveness and what this API serves (no upstream calls, so it stays cheap for load balancers).
import { Hono } from "hono";
import type { ApiContext } from "../api-context.js";
import type { ApiEnv } from "../env.js";

/**
 * The health answer: Kimina Lean Server's `{"status": "ok"}` (its clients read `status`) plus LeanFleet's own
 * fields (`ok`, version, fleets, simulated), so one route serves both kinds of client.
 */
export function healthBody(ctx: ApiContext): Record<string, unknown> {
  return {
    status: "ok",
    ok: true,
    version: ctx.version,
    fleets: ctx.fleets,
    defaultFleet: ctx.defaultFleet,
    simulated: ctx.simulated,
  };
}

/** The /health route. */
export function healthRoutes(ctx: ApiContext): Hono<ApiEnv> {
  const r = new Hono<ApiEnv>();
  r.get("/", (c) => c.json(healthBody(ctx), 200));
  return r;
}
