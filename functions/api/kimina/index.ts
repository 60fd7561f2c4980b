// The Kimina-compatible unit: Kimina Lean Server 2.0's HTTP API served by LeanFleet's cluster.
export { kiminaRoutes } from "./routes.js";
export { kiminaOpenApiPaths } from "./openapi.js";
export { KIMINA_DEFAULTS } from "./schemas.js";
export { KIMINA_POLL } from "./run-snippets.js";
