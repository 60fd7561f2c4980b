// createApp(deps): the Hono app of the API, the same on Lambda (lambda.ts) and on Node (local.ts).
import { Hono } from "hono";
import { resolveDeps } from "./api-context.js";
import type { ApiDeps } from "./deps.js";
import type { ApiEnv } from "./env.js";
import { NotConfiguredError } from "./errors.js";
import { authenticate } from "./middleware/auth.js";
import { errorHandler, notFoundHandler, type ErrorLog } from "./middleware/error-handler.js";
import { methodNotAllowed } from "./middleware/method-not-allowed.js";
import { rateLimit } from "./middleware/rate-limit.js";
import { batchRoutes } from "./routes/batches.js";
import { clusterRoutes } from "./routes/cluster.js";
import { environmentRoutes } from "./routes/environments.js";
import { kiminaRoutes } from "./kimina/index.js";
import { healthRoutes } from "./routes/health.js";
import { jobRoutes } from "./routes/jobs.js";
import { openApiRoutes } from "./routes/openapi.js";

/** Build the API app from its dependencies. `log` receives unexpected (5xx) errors. */
export function createApp(deps: ApiDeps, log?: ErrorLog): Hono<ApiEnv> {
  const ctx = resolveDeps(deps, log);
  const app = new Hono<ApiEnv>({ strict: true });
  app.onError(errorHandler(log));
  app.notFound(methodNotAllowed(app, notFoundHandler));
  app.route("/health", healthRoutes(ctx));
  app.route("/openapi.json", openApiRoutes(ctx));
  app.use("/v1/*", authenticate(deps.auth, ctx.limits.keyLimits), rateLimit(ctx.rate));
  app.route("/v1/jobs", jobRoutes(ctx));
  app.route("/v1/batches", batchRoutes(ctx));
  app.route("/v1/cluster", clusterRoutes(ctx));
  app.route("/v1/environments", environmentRoutes(ctx));
  // Kimina Lean Server's routes (/api/check, /verify, ...), with Kimina's own auth header forms and error bodies.
  app.route("/", kiminaRoutes(ctx, deps.auth));
  return app;
}

/**
 * An app for a deployment whose configuration is broken (e.g. no API keys in AWS): /health reports the problem
 * and every other route answers 503 `not_configured`, instead of the function failing at cold start without a word.
 */
export function createMisconfiguredApp(problem: string): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();
  app.onError(errorHandler()); // the problem was logged once at cold start; do not log it per request
  app.get("/health", (c) => c.json({ ok: false, problem }, 503));
  app.all("*", () => {
    throw new NotConfiguredError(`${problem}; fix the deployment's configuration`);
  });
  return app;
}
