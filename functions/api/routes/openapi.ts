// GET /openapi.json.
import { Hono } from "hono";
import type { ApiContext } from "../api-context.js";
import type { ApiEnv } from "../env.js";
import { buildOpenApi } from "../openapi.js";

/** The /openapi.json route (document built on first request, then reused). */
export function openApiRoutes(ctx: ApiContext): Hono<ApiEnv> {
  const r = new Hono<ApiEnv>();
  let doc: object | undefined;
  r.get("/", (c) => c.json((doc ??= buildOpenApi(ctx.version)), 200));
  return r;
}
