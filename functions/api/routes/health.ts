// GET /health: liveness and what this API serves (no upstream calls, so it stays cheap for load balancers).
import { Hono } from "hono";
import type { ApiContext } from "../api-context.js";
import type { ApiEnv } from "../env.js";

/** The /health route. */
export function healthRoutes(ctx: ApiContext): Hono<ApiEnv> {
  const r = new Hono<ApiEnv>();
  r.get("/", (c) => c.json({ ok: true, version: ctx.version, fleets: ctx.fleets, defaultFleet: ctx.defaultFleet, simulated: ctx.simulated }, 200));
  return r;
}
