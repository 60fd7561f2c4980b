// The API unit: createApp(deps) and what composition roots (lambda.ts, local.ts, the local cluster, tests) need.
export { createApp, createMisconfiguredApp } from "./app.js";
export {
  API_DEFAULTS,
  type ApiDeps,
  type BodyReader,
  type ApiLimits,
  type AuthConfig,
  type ApiKeyEntry,
  type ClusterStatus,
  type KeyLimits,
  type TaskCounts,
} from "./deps.js";
export { API_ENV, parseApiConfig, ApiConfigError, type ApiConfig } from "./config.js";
export { hashApiKey } from "./middleware/auth.js";
export { ERROR_STATUS, type ErrorBody } from "./middleware/error-handler.js";
export { ID_SECRET_KEY, JobIdSigner, loadIdSecret } from "./job-ids.js";
export { buildOpenApi } from "./openapi.js";
export * from "./errors.js";
export {
  BATCH_ID_PATTERN,
  JOB_ID_PATTERN,
  FLEET_PATTERN,
  BATCH_ITEM_FIELDS,
  jobSubmissionSchema,
  batchItemSchema,
  type JobSubmission,
  type BatchItem,
} from "./schemas.js";
export { parseWith, readText } from "./validation.js";
export type { ApiEnv } from "./env.js";
export {
  DEFAULT_LOCAL_PORT,
  LOCAL_API_DEFAULTS,
  LOCAL_PORT_ENV,
  serveApi,
  localAppFromConfig,
  type ApiServer,
} from "./local.js";
export { SendCoalescer } from "./send-coalescer.js";
export { nodeBodyReader } from "./node-body.js";
