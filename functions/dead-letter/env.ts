// The dead-letter function's environment variable names (set by cdk/lib/dead-letter-consumer.ts, read by handler.ts).

/** Environment of the dead-letter function. */
export const DEAD_LETTER_ENV = {
  bucket: "LEANFLEET_BUCKET",
  /** JSON array of [dead-letter queue ARN, fleet name] pairs. */
  fleets: "LEANFLEET_DLQ_FLEETS",
  /** AWS endpoint override (local tests). */
  awsEndpoint: "LEANFLEET_AWS_ENDPOINT",
} as const;
