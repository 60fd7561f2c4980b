// Environment variables that more than one composition root reads (the worker, the API, the nightly and
// dead-letter functions). Each unit's own names stay in its `*_ENV` object, next to the code that reads them.

/** Names of the environment variables shared by several composition roots. */
export const SHARED_ENV = {
  /** The deployment's S3 bucket: inputs, results, manifests, environment records. */
  bucket: "LEANFLEET_BUCKET",
  /** A local SQS/S3-compatible endpoint (fauxqs, `http://127.0.0.1:4566`); unset in AWS. */
  awsEndpoint: "LEANFLEET_AWS_ENDPOINT",
  /** pino log level (`info` unless set). */
  logLevel: "LEANFLEET_LOG_LEVEL",
  /** `1`: the stack runs on the REPL double, and every result says `simulated: true`. */
  simulate: "LEANFLEET_SIMULATE",
} as const;
