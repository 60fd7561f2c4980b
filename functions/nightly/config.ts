// The nightly function's environment: variable names (shared with cdk/lib/nightly.ts) and one zod parse; and the
// unit's configuration error.
import { z } from "zod";
import { LeanFleetError, SHARED_ENV } from "../../services/core/index.js";

/** Names of the environment variables the nightly function reads. */
export const NIGHTLY_ENV = {
  /** Required: the deployment bucket. */
  bucket: SHARED_ENV.bucket,
  /** Required: JSON object fleet -> {queueUrl, cluster, service, minTasks}. */
  fleets: "LEANFLEET_NIGHTLY_FLEETS",
  /** AWS region (Lambda sets it). @default "us-east-1" */
  region: "AWS_REGION",
  /** Optional: local SQS/S3 endpoint (fauxqs); never set in AWS. */
  awsEndpoint: SHARED_ENV.awsEndpoint,
  /** Optional: pino log level. @default "info" */
  logLevel: SHARED_ENV.logLevel,
} as const;

/**
 * The nightly configuration is wrong: a variable of the environment, a run's fleet the runner does not know, or a
 * dataset item that makes no valid job. The message names the variable, fleet or item and the fix.
 */
export class NightlyConfigError extends LeanFleetError {
  constructor(message: string, options?: ErrorOptions) {
    super("nightly_config", message, {}, options);
  }
}

const fleetsSchema = z.record(
  z.string(),
  z.strictObject({
    queueUrl: z.string().min(1),
    cluster: z.string().min(1),
    service: z.string().min(1),
    minTasks: z.number().int().nonnegative(),
  }),
);

/** The nightly function's configuration. */
export interface NightlyConfig {
  bucket: string;
  fleets: z.infer<typeof fleetsSchema>;
  region: string;
  awsEndpoint: string | undefined;
  logLevel: string;
}

/** Parse the environment; errors name the variable and the fix. */
export function parseNightlyConfig(env: NodeJS.ProcessEnv): NightlyConfig {
  const bucket = env[NIGHTLY_ENV.bucket];
  if (!bucket) throw new NightlyConfigError(`${NIGHTLY_ENV.bucket} is not set: give the deployment bucket's name`);
  const raw = env[NIGHTLY_ENV.fleets];
  if (!raw)
    throw new NightlyConfigError(
      `${NIGHTLY_ENV.fleets} is not set: give a JSON object fleet -> {"queueUrl","cluster","service","minTasks"}`,
    );
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (e) {
    throw new NightlyConfigError(`${NIGHTLY_ENV.fleets} is not valid JSON (${(e as Error).message})`);
  }
  const r = fleetsSchema.safeParse(json);
  if (!r.success) throw new NightlyConfigError(`${NIGHTLY_ENV.fleets}: ${z.prettifyError(r.error)}`);
  return {
    bucket,
    fleets: r.data,
    region: env[NIGHTLY_ENV.region] || "us-east-1",
    awsEndpoint: env[NIGHTLY_ENV.awsEndpoint] || undefined,
    logLevel: env[NIGHTLY_ENV.logLevel] || "info",
  };
}
