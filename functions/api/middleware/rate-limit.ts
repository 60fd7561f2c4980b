// Requests-per-second limit per key, answered with 429 and Retry-After (through the error handler).
import type { MiddlewareHandler } from "hono";
import type { ApiEnv } from "../env.js";
import type { RateLimiter } from "../limits.js";

/** Middleware taking one token of the caller's bucket per request. */
export function rateLimit(limiter: RateLimiter): MiddlewareHandler<ApiEnv> {
  return (c, next) => {
    limiter.take(c.get("principal"));
    return next();
  };
}
