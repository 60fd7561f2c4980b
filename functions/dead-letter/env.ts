// The dead-letter function's environment variable names (set by cdk/lib/dead-letter-consumer.ts, read by handler.ts).
import { SHARED_ENV } from "../../services/core/index.js";

/** Environment of the dead-letter function. */
export const DEAD_LETTER_ENV = {
  bucket: SHARED_ENV.bucket,
  /** JSON array of [dead-letter queue ARN, fleet name] pairs. */
  fleets: "LEANFLEET_DLQ_FLEETS",
  /** AWS endpoint override (local tests). */
  awsEndpoint: SHARED_ENV.awsEndpoint,
} as const;
