// Bearer-key authentication: the token's SHA-256 is looked up among the configured key hashes (keys themselves
// are never stored). Without required keys (local use), requests without a token are `anonymous`.
import { createHash } from "node:crypto";
import type { MiddlewareHandler } from "hono";
import type { AuthConfig, KeyLimits } from "../deps.js";
import { UnauthorizedError } from "../errors.js";
import type { Principal } from "../limits.js";
import type { ApiEnv } from "../env.js";

/** Lowercase hex SHA-256 of an API key, as stored in configuration. */
export function hashApiKey(key: string): string {
  return createHash("sha256").update(key, "utf8").digest("hex");
}

/**
 * Middleware that sets `principal` or throws `unauthorized`. Like the other middlewares here it is a plain function
 * returning `next()`: an async one would add a promise and its extra turns to every request (bench/api).
 */
export function authenticate(auth: AuthConfig, defaults: KeyLimits): MiddlewareHandler<ApiEnv> {
  const byHash = new Map<string, Principal>();
  for (const k of auth.keys) byHash.set(k.sha256.toLowerCase(), { id: k.id, limits: { ...defaults, ...k.limits } });
  const anonymous: Principal = { id: "anonymous", limits: defaults };
  return (c, next) => {
    const header = c.req.header("authorization");
    if (header === undefined || header === "") {
      if (auth.required) {
        c.header("WWW-Authenticate", 'Bearer realm="leanfleet"');
        throw new UnauthorizedError(
          "missing API key: send the header `Authorization: Bearer <key>` (the CLI takes --api-key or LEANFLEET_API_KEY)",
        );
      }
      c.set("principal", anonymous);
      return next();
    }
    const m = /^Bearer[ ]+([\x21-\x7e]{1,512})$/i.exec(header);
    if (!m) {
      c.header("WWW-Authenticate", 'Bearer realm="leanfleet", error="invalid_request"');
      throw new UnauthorizedError(
        "malformed Authorization header: use `Authorization: Bearer <key>` with a printable key of at most 512 characters",
      );
    }
    const principal = byHash.get(hashApiKey(m[1]!));
    if (principal === undefined) {
      if (!auth.required && auth.keys.length === 0) {
        c.set("principal", anonymous);
        return next();
      }
      c.header("WWW-Authenticate", 'Bearer realm="leanfleet", error="invalid_token"');
      throw new UnauthorizedError(
        "unknown API key: check the key (it is compared by its SHA-256 with the deployment's configured keys)",
      );
    }
    c.set("principal", principal);
    return next();
  };
}
