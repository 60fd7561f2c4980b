// Authentication as Kimina's clients send it: `Authorization: Bearer <key>` (kimina-client) or the raw key, checked
// against the same hashed API keys and per-key limits as /v1. With keys not required (local), any header is served
// as `anonymous`, Lean4Client's `Bearer None` included. Refusals are Kimina's 401 `{"detail": ...}`.
import type { MiddlewareHandler } from "hono";
import type { AuthConfig, KeyLimits } from "../deps.js";
import type { ApiEnv } from "../env.js";
import type { Principal } from "../limits.js";
import { hashApiKey } from "../middleware/auth.js";

/** The key in an Authorization header: a `Bearer ` prefix is dropped as Kimina's server does. */
export function kiminaToken(header: string | undefined): string {
  return (header ?? "").replace(/^Bearer\s+/i, "").trim();
}

/** Middleware that sets `principal` or answers 401 the way Kimina does. */
export function kiminaAuth(auth: AuthConfig, defaults: KeyLimits): MiddlewareHandler<ApiEnv> {
  const byHash = new Map<string, Principal>();
  for (const k of auth.keys) byHash.set(k.sha256.toLowerCase(), { id: k.id, limits: { ...defaults, ...k.limits } });
  const anonymous: Principal = { id: "anonymous", limits: defaults };
  return (c, next) => {
    const token = kiminaToken(c.req.header("authorization"));
    const principal = token === "" ? undefined : byHash.get(hashApiKey(token));
    if (principal === undefined && auth.required) {
      c.header("WWW-Authenticate", 'Bearer realm="leanfleet"');
      return Promise.resolve(c.json({ detail: token === "" ? "Missing API key" : "Invalid API key" }, 401));
    }
    c.set("principal", principal ?? anonymous);
    return next();
  };
}
