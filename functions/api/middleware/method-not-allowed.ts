// A wrong HTTP method on a known route: 405 with an Allow header naming the methods the route takes (RFC 9110
// 15.5.6), instead of the 404 of an unknown route. Hono itself answers 404 for both, so the not-found handler asks here.
import type { Hono, NotFoundHandler } from "hono";
import type { ApiEnv } from "../env.js";

/** A Hono route path (`/v1/jobs/:id`, `/files/*`) as a regular expression over request paths. */
function pathPattern(path: string): RegExp {
  const source = path
    .split("/")
    .map((seg) => {
      if (seg === "*") return ".*";
      const param = /^:[^{]+(?:\{(.+)\})?$/.exec(seg);
      if (param) return param[1] ? `(?:${param[1]})` : "[^/]+";
      return seg.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    })
    .join("/");
  return new RegExp(`^${source}$`);
}

/**
 * A not-found handler that answers 405 `method_not_allowed` with `Allow` when another method of the same path has a
 * route (GET implies HEAD, which Hono serves from GET), and defers to `notFound` otherwise. Middleware (`app.use`,
 * method ALL) does not count as a route. The routes are read on first use, once the app is fully built.
 */
export function methodNotAllowed(app: Hono<ApiEnv>, notFound: NotFoundHandler<ApiEnv>): NotFoundHandler<ApiEnv> {
  let routes: { pattern: RegExp; method: string }[] | undefined;
  return (c) => {
    routes ??= app.routes
      .filter((r) => r.method !== "ALL")
      .map((r) => ({ pattern: pathPattern(r.path), method: r.method.toUpperCase() }));
    const path = c.req.path;
    const allowed = new Set(routes.filter((r) => r.pattern.test(path)).map((r) => r.method));
    if (allowed.has("GET")) allowed.add("HEAD");
    if (allowed.size === 0 || allowed.has(c.req.method)) return notFound(c);
    const allow = [...allowed].sort().join(", ");
    return c.json(
      {
        error: {
          code: "method_not_allowed",
          message: `${c.req.method} is not allowed on ${path}; this route takes ${allow}`,
        },
      },
      405,
      { Allow: allow },
    );
  };
}
