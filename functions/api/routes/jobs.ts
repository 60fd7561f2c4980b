// POST /v1/jobs (one check; 202 {jobId}, or 200 with the result with ?wait=S) and GET /v1/jobs/:id.
import { Hono } from "hono";
import type { ApiContext } from "../api-context.js";
import { API_DEFAULTS } from "../deps.js";
import type { ApiEnv } from "../env.js";
import { BadRequestError, NotFoundError } from "../errors.js";
import { buildJob, checkChain } from "../job-factory.js";
import { jobState, waitForResult } from "../job-state.js";
import { bodySize } from "../middleware/body-size.js";
import { emptyQuerySchema, JOB_ID_PATTERN, jobSubmissionSchema, jobSubmitQuerySchema } from "../schemas.js";
import { checkWellFormed, parseJson, parseQuery, parseWith, readText, requireJsonType } from "../validation.js";

const EXAMPLE = '{"code": "theorem t : 1 + 1 = 2 := rfl"}';

/** Validate a job id path parameter. */
export function checkJobId(id: string): void {
  if (!JOB_ID_PATTERN.test(id)) {
    throw new BadRequestError(
      "id",
      `${JSON.stringify(id.slice(0, 100))} is not a job id; pass the jobId returned by POST /v1/jobs ("j_" + UUID) or a batch item id ("b_…" + "." + 9-digit seq)`,
      "invalid_id",
    );
  }
}

/**
 * A JSON response with a Location header, built with plain-object headers. `c.header()` followed by `c.json()` makes
 * Hono build a `Headers` object, which @hono/node-server then converts back; on the enqueue path that round trip cost
 * more than a tenth of the request (bench/api). No middleware of these routes sets headers before the handler.
 */
function jsonWithLocation(body: object, status: 200 | 202, location: string): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", location } });
}

/** The /v1/jobs routes. */
export function jobRoutes(ctx: ApiContext): Hono<ApiEnv> {
  const r = new Hono<ApiEnv>();

  r.post("/", bodySize(ctx.limits.maxJobBodyBytes), async (c) => {
    const { wait } = parseQuery(c, jobSubmitQuerySchema);
    // Validated against this deployment's bound (25 s behind API Gateway, 30 s locally), never cut silently.
    if (wait !== undefined && wait > ctx.limits.maxWaitSeconds) {
      throw new BadRequestError(
        "wait",
        `must be at most ${ctx.limits.maxWaitSeconds} seconds here; poll GET /v1/jobs/:id for longer waits`,
      );
    }
    requireJsonType(c);
    const json = parseJson(await readText(c, ctx.limits.maxJobBodyBytes, ctx.bodyReader), EXAMPLE);
    checkWellFormed(json);
    const sub = parseWith(jobSubmissionSchema, json);
    checkChain(sub);
    const { fleet } = ctx.queueOf(sub.fleet, "fleet");
    const principal = c.get("principal");
    await ctx.queued.admit(principal, 1);
    const submittedAtMs = ctx.now();
    const job = buildJob(sub, {
      id: await ctx.jobIds.issue(principal.id),
      fleet,
      submittedAt: new Date(submittedAtMs).toISOString(),
    });
    await ctx.enqueuer.submitOne(ctx.senders[fleet]!, job);
    ctx.queued.record(principal, fleet, 1);
    const location = `/v1/jobs/${job.id}`;

    const waitMs = (wait ?? 0) * 1000;
    if (waitMs > 0) {
      const result = await waitForResult(
        ctx,
        job.id,
        submittedAtMs + waitMs,
        API_DEFAULTS.waitPollStartMs,
        API_DEFAULTS.waitPollMaxMs,
      );
      if (result !== undefined) return jsonWithLocation({ jobId: job.id, state: "done", result }, 200, location);
      const state = await jobState(ctx, job.id, principal.id);
      return jsonWithLocation({ jobId: job.id, state: state?.state ?? "queued" }, 202, location);
    }
    return jsonWithLocation({ jobId: job.id }, 202, location);
  });

  r.get("/:id", async (c) => {
    parseQuery(c, emptyQuerySchema);
    const id = c.req.param("id");
    checkJobId(id);
    const state = await jobState(ctx, id, c.get("principal").id);
    if (state === undefined) throw new NotFoundError("job", id);
    return c.json({ jobId: id, ...state }, 200);
  });

  return r;
}
