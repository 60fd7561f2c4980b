// GET /v1/environments/:id: the environment record a result's `env` names (what checked it: Lean, packages, REPL,
// strict-stage tools, image, LeanFleet), as the worker that ran it stored it.
import { Hono } from "hono";
import { ENVIRONMENT_ID, environmentKey } from "../../../services/environment/index.js";
import type { ApiContext } from "../api-context.js";
import type { ApiEnv } from "../env.js";
import { BadRequestError, NotFoundError } from "../errors.js";
import { emptyQuerySchema } from "../schemas.js";
import { parseQuery } from "../validation.js";

/** The /v1/environments route. */
export function environmentRoutes(ctx: ApiContext): Hono<ApiEnv> {
  const r = new Hono<ApiEnv>();
  r.get("/:id", async (c) => {
    parseQuery(c, emptyQuerySchema);
    const id = c.req.param("id");
    if (!ENVIRONMENT_ID.test(id))
      throw new BadRequestError(
        "id",
        `${JSON.stringify(id)} is not an environment id (env- and 8 hex digits, as in a result's "env")`,
      );
    const text = await ctx.store.get(environmentKey(id));
    if (text === undefined) throw new NotFoundError("environment", id);
    return c.body(text, 200, {
      "content-type": "application/json; charset=utf-8",
    });
  });
  return r;
}
