// The Hono environment type of the API: per-request variables set by middleware.
import type { Principal } from "./limits.js";

/** Hono `Env` of the API app. */
export interface ApiEnv {
  Variables: {
    /** The authenticated caller (set by the auth middleware on /v1 routes). */
    principal: Principal;
  };
}
