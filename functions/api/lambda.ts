// AWS Lambda entry (behind an API Gateway HTTP API): builds deps from the environment once per cold start, with the
// SQS/S3 adapters and ECS DescribeServices for task counts, and wraps createApp with hono/aws-lambda.
import { DescribeServicesCommand, type ECSClient } from "@aws-sdk/client-ecs";
import type { Hono } from "hono";
import { handle } from "hono/aws-lambda";
import { pino } from "pino";
import { storageFromConfig } from "./aws-deps.js";
import { createApp, createMisconfiguredApp } from "./app.js";
import { API_ENV, parseApiConfig, type ApiConfig } from "./config.js";
import type { ClusterStatus, TaskCounts } from "./deps.js";
import type { ApiEnv } from "./env.js";

/** Lambda-specific limits: API Gateway gives up after 30 s, and Lambda takes at most 6 MB of request body. */
export const LAMBDA_LIMITS = {
  /** @default 25 */
  maxWaitSeconds: 25,
  /** @default 6000000 */
  maxBatchBodyBytes: 6_000_000,
  /** @default 4194304 */
  maxResultsPageBytes: 4 * 1024 * 1024,
  /**
   * Kimina-compatible calls behind the HTTP API stop waiting before API Gateway does; the Kimina function URL
   * (cdk/lib/api.ts) sets LEANFLEET_KIMINA_WAIT_SECONDS to wait minutes. @default 25
   */
  kiminaWaitSeconds: 25,
} as const;

/** Task counts from ECS DescribeServices (one call per cluster for all its fleets, cached for a few seconds). */
export class EcsClusterStatus implements ClusterStatus {
  #cache: { atMs: number; counts: Promise<Map<string, TaskCounts>> } | undefined;

  /** `targets`: fleet -> the ECS cluster and service (name or ARN) that run its workers. */
  constructor(
    private readonly client: ECSClient,
    private readonly targets: Record<string, { cluster: string; service: string }>,
    private readonly cacheMs = 5000,
  ) {}

  async tasks(fleet: string): Promise<TaskCounts | undefined> {
    if (this.targets[fleet] === undefined) return undefined;
    if (!this.#cache || Date.now() - this.#cache.atMs > this.cacheMs) {
      const counts = this.#describe();
      this.#cache = { atMs: Date.now(), counts };
      counts.catch(() => (this.#cache = undefined));
    }
    return (await this.#cache.counts).get(fleet);
  }

  async #describe(): Promise<Map<string, TaskCounts>> {
    const byCluster = new Map<string, Array<[fleet: string, service: string]>>();
    for (const [fleet, { cluster, service }] of Object.entries(this.targets)) {
      byCluster.set(cluster, [...(byCluster.get(cluster) ?? []), [fleet, service]]);
    }
    const out = new Map<string, TaskCounts>();
    for (const [cluster, entries] of byCluster) {
      for (let i = 0; i < entries.length; i += 10) {
        const slice = entries.slice(i, i + 10);
        const res = await this.client.send(
          new DescribeServicesCommand({ cluster, services: [...new Set(slice.map(([, s]) => s))] }),
        );
        for (const s of res.services ?? []) {
          const counts = { desired: s.desiredCount ?? 0, running: s.runningCount ?? 0, pending: s.pendingCount ?? 0 };
          for (const [fleet, name] of slice)
            if (name === s.serviceName || name === s.serviceArn) out.set(fleet, counts);
        }
      }
    }
    return out;
  }
}

/** Build the app for a parsed configuration (exported for tests, which pass their own endpoint). */
export function appFromConfig(config: ApiConfig, limits: Partial<typeof LAMBDA_LIMITS> = LAMBDA_LIMITS): Hono<ApiEnv> {
  const log = pino({ level: config.logLevel });
  const { aws, queues, store } = storageFromConfig(config);
  return createApp(
    {
      queues,
      store,
      ...(config.ecs ? { cluster: new EcsClusterStatus(aws.ecs, config.ecs) } : {}),
      ...(config.defaultFleet ? { defaultFleet: config.defaultFleet } : {}),
      auth: { required: true, keys: config.keys },
      limits: { ...limits, ...config.limits, keyLimits: config.keyLimits },
      simulated: config.simulated,
    },
    log,
  );
}

function coldStart(): Hono<ApiEnv> {
  try {
    return appFromConfig(parseApiConfig(process.env, { requireKeys: true }));
  } catch (err) {
    pino({ level: process.env[API_ENV.logLevel] || "info" }).error({ err }, "API configuration is invalid");
    return createMisconfiguredApp(`the API's configuration is invalid: ${(err as Error).message}`);
  }
}

/** The Lambda handler (API Gateway HTTP API, payload format 2.0). */
export const handler = handle(coldStart());
