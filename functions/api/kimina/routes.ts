// The routes of Kimina Lean Server 2.0 (https://github.com/project-numina/kimina-lean-server) on LeanFleet: POST
// /api/check (and /api/check/), POST /verify and POST /one_pass_verify_batch, GET /health/ and GET / (GET /health is
// LeanFleet's own, answering a superset). Each call is one batch on the fleet's queue; answers are Kimina's, nulls
// omitted, with LeanFleet's verdict beside.
import { Hono, type Context } from "hono";
import { LeanFleetError } from "../../../services/core/index.js";
import type { z } from "zod";
import type { ApiContext } from "../api-context.js";
import type { AuthConfig } from "../deps.js";
import type { ApiEnv } from "../env.js";
import { ApiError } from "../errors.js";
import { bodySize } from "../middleware/body-size.js";
import { errorHandler } from "../middleware/error-handler.js";
import { healthBody } from "../routes/health.js";
import { checkWellFormed, readText } from "../validation.js";
import { checkAnswer, verifyAnswer } from "./answers.js";
import { kiminaAuth } from "./auth.js";
import { runSnippets } from "./run-snippets.js";
import {
  checkRequestSchema,
  KIMINA_DEFAULTS,
  validationDetail,
  verifyRequestSchema,
  type ValidationDetail,
} from "./schemas.js";

/** A request Kimina would refuse with 422: FastAPI's `{"detail": [...]}`. */
class KiminaValidation extends LeanFleetError {
  constructor(readonly detail: ValidationDetail[]) {
    super("invalid_request", "invalid Kimina request", { issues: detail.length });
  }
}

/** Read and validate a JSON body with `schema`, or throw {@link KiminaValidation}. */
async function readBody<S extends z.ZodType>(c: Context<ApiEnv>, ctx: ApiContext, schema: S): Promise<z.infer<S>> {
  let input: unknown;
  try {
    const text = await readText(c, ctx.limits.maxBatchBodyBytes, ctx.bodyReader);
    try {
      input = JSON.parse(text);
    } catch (err) {
      throw new KiminaValidation([
        { type: "json_invalid", loc: ["body", 0], msg: `JSON decode error: ${(err as Error).message}` },
      ]);
    }
    checkWellFormed(input);
  } catch (err) {
    if (err instanceof ApiError && err.code !== "payload_too_large")
      throw new KiminaValidation([{ type: "value_error", loc: ["body"], msg: err.message }]);
    throw err;
  }
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw new KiminaValidation(validationDetail(parsed.error, input).detail);
  return parsed.data;
}

/** Refuse a call with more items than a batch call takes, as FastAPI's `too_long`. */
function checkItemCount(ctx: ApiContext, n: number, field: string): void {
  if (n > ctx.limits.maxBatchItems) {
    throw new KiminaValidation([
      {
        type: "too_long",
        loc: ["body", field],
        msg: `List should have at most ${ctx.limits.maxBatchItems} items after validation, not ${n}; split the call`,
      },
    ]);
  }
}

/** POST /api/check: Kimina Lean Server 2.0's snippets, one result per snippet. */
async function check(ctx: ApiContext, c: Context<ApiEnv>): Promise<Response> {
  const body = await readBody(c, ctx, checkRequestSchema);
  checkItemCount(ctx, body.snippets.length, "snippets");
  const timeoutSeconds = body.timeout ?? KIMINA_DEFAULTS.checkTimeoutSeconds;
  const outcomes = await runSnippets(ctx, {
    codes: body.snippets.map((s) => s.code),
    timeoutSeconds,
    reuse: body.reuse ?? true,
    infotree: body.infotree,
    principal: c.get("principal"),
    signal: c.req.raw.signal,
  });
  const debug = body.debug ?? false;
  return c.json(
    { results: body.snippets.map((s, i) => checkAnswer(s.id, outcomes[i]!, { timeoutSeconds, debug })) },
    200,
  );
}

/** POST /verify (Kimina's legacy route, Lean4Client.verify): codes with custom_id, one result per code. */
async function verify(ctx: ApiContext, c: Context<ApiEnv>): Promise<Response> {
  const body = await readBody(c, ctx, verifyRequestSchema);
  checkItemCount(ctx, body.codes.length, "codes");
  if (body.codes.length === 0) return c.json({ results: [] }, 200);
  const timeoutSeconds = body.timeout ?? KIMINA_DEFAULTS.verifyTimeoutSeconds;
  const outcomes = await runSnippets(ctx, {
    codes: body.codes.map((x) => (x.proof ?? x.code)!),
    timeoutSeconds,
    reuse: !(body.disable_cache ?? false),
    infotree: body.infotree_type,
    principal: c.get("principal"),
    signal: c.req.raw.signal,
  });
  return c.json(
    { results: body.codes.map((x, i) => verifyAnswer(x.custom_id, outcomes[i]!, { timeoutSeconds })) },
    200,
  );
}

/** The Kimina-compatible routes, mounted at the root of the app. */
export function kiminaRoutes(ctx: ApiContext, auth: AuthConfig): Hono<ApiEnv> {
  const r = new Hono<ApiEnv>({ strict: true });
  const appErrors = errorHandler(ctx.log);
  r.onError((err, c) => {
    if (err instanceof KiminaValidation) return c.json({ detail: err.detail }, 422);
    return appErrors(err, c); // the API's own answers for the rest (413, ...)
  });
  const guard = [bodySize(ctx.limits.maxBatchBodyBytes), kiminaAuth(auth, ctx.limits.keyLimits)] as const;
  for (const path of ["/api/check", "/api/check/"]) r.post(path, ...guard, (c) => check(ctx, c));
  for (const path of ["/verify", "/one_pass_verify_batch"]) r.post(path, ...guard, (c) => verify(ctx, c));
  // Kimina's health answers; LeanFleet's GET /health (routes/health.ts) carries the same `status`.
  for (const path of ["/health/", "/"]) r.get(path, (c) => c.json(healthBody(ctx), 200));
  return r;
}
