// The API's environment: variable names (shared with cdk/ and the local cluster), and one zod parse into a config.
// No AWS imports here; lambda.ts and local.ts turn the config into adapters.
import { LeanFleetError, SHARED_ENV } from "../../services/core/index.js";
import { z } from "zod";
import { API_DEFAULTS, type ApiKeyEntry, type ApiLimits, type KeyLimits } from "./deps.js";
import { FLEET_PATTERN } from "./schemas.js";

/** Names of the environment variables the API reads. */
export const API_ENV = {
  /** Required: JSON object fleet -> SQS queue URL, e.g. `{"default":"https://sqs.eu-west-1.amazonaws.com/1234/leanfleet-default"}`. */
  queueUrls: "LEANFLEET_QUEUE_URLS",
  /** Required: the results bucket. */
  bucket: SHARED_ENV.bucket,
  /** Optional: fleet of requests that name none. @default - "default" if such a fleet exists, else the first */
  defaultFleet: "LEANFLEET_DEFAULT_FLEET",
  /**
   * API keys as a JSON array of SHA-256 hex digests of the keys, or objects
   * `{"id":"alice","sha256":"<hex>","requestsPerSecond":50,"burst":100,"maxQueuedJobs":1000000}`.
   * Required (non-empty) in AWS; optional locally. @default - no keys
   */
  apiKeys: "LEANFLEET_API_KEYS",
  /** Optional: local SQS/S3 endpoint (fauxqs); never set in AWS. */
  awsEndpoint: SHARED_ENV.awsEndpoint,
  /** AWS region (Lambda sets it). @default "us-east-1" */
  region: "AWS_REGION",
  /** Optional: one ECS cluster running every fleet's worker service, for GET /v1/cluster task counts. */
  ecsCluster: "LEANFLEET_ECS_CLUSTER",
  /** Optional: JSON object fleet -> ECS cluster, when each fleet has its own cluster (as the CDK stacks deploy). */
  ecsClusters: "LEANFLEET_ECS_CLUSTERS",
  /** Optional: JSON object fleet -> ECS service name or ARN. */
  ecsServices: "LEANFLEET_ECS_SERVICES",
  /** Optional: default key limit, requests per second. @default 50 */
  rateRps: "LEANFLEET_RATE_RPS",
  /** Optional: default key limit, burst. @default 100 */
  rateBurst: "LEANFLEET_RATE_BURST",
  /** Optional: default key limit, queued jobs. @default 1000000 */
  maxQueuedJobs: "LEANFLEET_MAX_QUEUED_JOBS",
  /** Optional: longest ?wait in seconds. @default 30 (25 on Lambda: API Gateway stops waiting at 30 s) */
  maxWaitSeconds: "LEANFLEET_MAX_WAIT_SECONDS",
  /** Optional: how long a Kimina-compatible call waits for its results, in seconds. @default 540 (25 behind API Gateway) */
  kiminaWaitSeconds: "LEANFLEET_KIMINA_WAIT_SECONDS",
  /** Optional: `1` when the workers run the REPL double (reported by /health and /v1/cluster). @default 0 */
  simulate: SHARED_ENV.simulate,
  /** Optional: pino log level. @default "info" */
  logLevel: SHARED_ENV.logLevel,
} as const;

/** The API's configuration, parsed from the environment. */
export interface ApiConfig {
  queueUrls: Record<string, string>;
  bucket: string;
  defaultFleet: string | undefined;
  keys: ApiKeyEntry[];
  awsEndpoint: string | undefined;
  region: string;
  /** fleet -> the ECS cluster and service of its workers (absent: no task counts). */
  ecs: Record<string, { cluster: string; service: string }> | undefined;
  keyLimits: Partial<KeyLimits>;
  limits: Partial<Omit<ApiLimits, "keyLimits">>;
  simulated: boolean;
  logLevel: string;
}

/**
 * The API's configuration (its environment, or createApp's deps) is missing or malformed; the message names the
 * variable and the fix.
 */
export class ApiConfigError extends LeanFleetError {
  constructor(message: string, options?: ErrorOptions) {
    super("api_config", message, {}, options);
  }
}

const HEX64 = /^[0-9a-f]{64}$/;
const keyEntry = z.union([
  z.string().regex(HEX64, { error: "each key must be the 64-digit lowercase hex SHA-256 of an API key" }),
  z.strictObject({
    id: z.string().min(1).max(64),
    sha256: z.string().regex(HEX64, { error: "sha256 must be 64 lowercase hex digits" }),
    requestsPerSecond: z.number().positive().optional(),
    burst: z.number().int().positive().optional(),
    maxQueuedJobs: z.number().int().nonnegative().optional(),
  }),
]);

function json<T extends z.ZodType>(name: string, text: string, schema: T): z.infer<T> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new ApiConfigError(`${name} is not valid JSON (${(err as Error).message})`);
  }
  const r = schema.safeParse(value);
  if (!r.success) throw new ApiConfigError(`${name}: ${z.prettifyError(r.error)}`);
  return r.data;
}

function num(env: NodeJS.ProcessEnv, name: string, min: number): number | undefined {
  const v = env[name];
  if (v === undefined || v.trim() === "") return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n < min)
    throw new ApiConfigError(`${name} must be a number >= ${min}, got ${JSON.stringify(v)}`);
  return n;
}

/** fleet -> {cluster, service} from LEANFLEET_ECS_SERVICES plus LEANFLEET_ECS_CLUSTERS (per fleet) or LEANFLEET_ECS_CLUSTER. */
function parseEcsTargets(env: NodeJS.ProcessEnv): ApiConfig["ecs"] {
  const rawServices = env[API_ENV.ecsServices];
  if (!rawServices) return undefined;
  const services = json(API_ENV.ecsServices, rawServices, z.record(z.string(), z.string().min(1)));
  const rawClusters = env[API_ENV.ecsClusters];
  const clusters = rawClusters ? json(API_ENV.ecsClusters, rawClusters, z.record(z.string(), z.string().min(1))) : {};
  const shared = env[API_ENV.ecsCluster];
  const out: NonNullable<ApiConfig["ecs"]> = {};
  for (const [fleet, service] of Object.entries(services)) {
    const cluster = clusters[fleet] ?? shared;
    if (!cluster) {
      throw new ApiConfigError(
        `${API_ENV.ecsServices} names fleet ${JSON.stringify(fleet)} but neither ${API_ENV.ecsClusters} nor ${API_ENV.ecsCluster} gives its ECS cluster`,
      );
    }
    out[fleet] = { cluster, service };
  }
  return out;
}

/** fleet -> SQS queue URL, from LEANFLEET_QUEUE_URLS (required, at least one fleet). */
function parseQueueUrls(env: NodeJS.ProcessEnv): Record<string, string> {
  const urls = env[API_ENV.queueUrls];
  if (!urls)
    throw new ApiConfigError(
      `${API_ENV.queueUrls} is not set: give a JSON object of fleet -> queue URL, e.g. {"default":"https://sqs…/leanfleet-default"}`,
    );
  return json(
    API_ENV.queueUrls,
    urls,
    z
      .record(
        z.string().regex(FLEET_PATTERN),
        z.string().regex(/^https?:\/\/\S+$/, { error: "must be a queue URL (http(s)://…)" }),
      )
      .refine((o) => Object.keys(o).length > 0, "name at least one fleet"),
  );
}

/** The API keys of LEANFLEET_API_KEYS (bare digests get ids key-1, key-2, …); with `requireKeys`, at least one. */
function parseKeys(env: NodeJS.ProcessEnv, requireKeys: boolean): ApiKeyEntry[] {
  const rawKeys = env[API_ENV.apiKeys];
  const entries = rawKeys && rawKeys.trim() !== "" ? json(API_ENV.apiKeys, rawKeys, z.array(keyEntry)) : [];
  const keys: ApiKeyEntry[] = entries.map((e, i) =>
    typeof e === "string"
      ? { id: `key-${i + 1}`, sha256: e }
      : {
          id: e.id,
          sha256: e.sha256,
          limits: {
            ...(e.requestsPerSecond === undefined ? {} : { requestsPerSecond: e.requestsPerSecond }),
            ...(e.burst === undefined ? {} : { burst: e.burst }),
            ...(e.maxQueuedJobs === undefined ? {} : { maxQueuedJobs: e.maxQueuedJobs }),
          },
        },
  );
  if (requireKeys && keys.length === 0) {
    throw new ApiConfigError(
      `${API_ENV.apiKeys} holds no API key: in AWS keys are required. Set it to a JSON array of SHA-256 hex digests of your keys (printf %s "$KEY" | sha256sum)`,
    );
  }
  return keys;
}

/** LEANFLEET_DEFAULT_FLEET, which must be one of the configured fleets. */
function parseDefaultFleet(env: NodeJS.ProcessEnv, queueUrls: Record<string, string>): string | undefined {
  const defaultFleet = env[API_ENV.defaultFleet] || undefined;
  if (defaultFleet !== undefined && !(defaultFleet in queueUrls)) {
    throw new ApiConfigError(
      `${API_ENV.defaultFleet}=${defaultFleet} is not one of the fleets in ${API_ENV.queueUrls} (${Object.keys(queueUrls).join(", ")})`,
    );
  }
  return defaultFleet;
}

/** The default key limits and the wait limits set in the environment (unset ones keep API_DEFAULTS). */
function parseLimits(env: NodeJS.ProcessEnv): Pick<ApiConfig, "keyLimits" | "limits"> {
  const rps = num(env, API_ENV.rateRps, 0.001);
  const burst = num(env, API_ENV.rateBurst, 1);
  const maxQueued = num(env, API_ENV.maxQueuedJobs, 0);
  const maxWait = num(env, API_ENV.maxWaitSeconds, 0);
  const kiminaWait = num(env, API_ENV.kiminaWaitSeconds, 1);
  return {
    keyLimits: {
      ...(rps === undefined ? {} : { requestsPerSecond: rps }),
      ...(burst === undefined ? {} : { burst }),
      ...(maxQueued === undefined ? {} : { maxQueuedJobs: maxQueued }),
    },
    limits: {
      ...(maxWait === undefined ? {} : { maxWaitSeconds: Math.min(API_DEFAULTS.limits.maxWaitSeconds, maxWait) }),
      ...(kiminaWait === undefined ? {} : { kiminaWaitSeconds: kiminaWait }),
    },
  };
}

/** Parse the API's environment. With `requireKeys`, at least one API key must be configured. */
export function parseApiConfig(env: NodeJS.ProcessEnv, options: { requireKeys: boolean }): ApiConfig {
  const queueUrls = parseQueueUrls(env);
  const bucket = env[API_ENV.bucket];
  if (!bucket) throw new ApiConfigError(`${API_ENV.bucket} is not set: give the name of the results bucket`);
  const keys = parseKeys(env, options.requireKeys);
  const defaultFleet = parseDefaultFleet(env, queueUrls);
  const ecs = parseEcsTargets(env);
  const { keyLimits, limits } = parseLimits(env);
  return {
    queueUrls,
    bucket,
    defaultFleet,
    keys,
    awsEndpoint: env[API_ENV.awsEndpoint] || undefined,
    region: env[API_ENV.region] || "us-east-1",
    ecs,
    keyLimits,
    limits,
    simulated: env[API_ENV.simulate] === "1" || env[API_ENV.simulate] === "true",
    logLevel: env[API_ENV.logLevel] || "info",
  };
}
