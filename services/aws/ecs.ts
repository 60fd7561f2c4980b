// TaskProtection on Amazon ECS (UpdateTaskProtection for this task), and a no-op one for running outside ECS.
import { UpdateTaskProtectionCommand, type ECSClient } from "@aws-sdk/client-ecs";
import { LeanFleetError, type TaskProtection } from "../core/index.js";

/** Defaults of the ECS task protection adapter. */
export const ECS_PROTECTION_DEFAULTS = {
  /** Protection lapses on its own after this long (ECS caps it at 2880), so a wedged task cannot block scale-in forever. @default 120 */
  expiresInMinutes: 120,
} as const;

/** Options of {@link EcsTaskProtection}. */
export interface EcsTaskProtectionOptions {
  client: ECSClient;
  /** Task metadata endpoint v4 base URL. @default - process.env.ECS_CONTAINER_METADATA_URI_V4 */
  metadataUri?: string;
  /** @default 120 */
  expiresInMinutes?: number;
  /** Injected for tests. @default globalThis.fetch */
  fetch?: typeof fetch;
}

/** The running task's identity, read from `$ECS_CONTAINER_METADATA_URI_V4/task`. */
export interface EcsTaskIdentity {
  cluster: string;
  taskArn: string;
}

/** Scale-in protection of the ECS task this process runs in. */
export class EcsTaskProtection implements TaskProtection {
  readonly #client: ECSClient;
  readonly #metadataUri: string | undefined;
  readonly #expiresInMinutes: number;
  readonly #fetch: typeof fetch;
  #identity: Promise<EcsTaskIdentity> | undefined;

  constructor(options: EcsTaskProtectionOptions) {
    this.#client = options.client;
    this.#metadataUri = options.metadataUri ?? process.env.ECS_CONTAINER_METADATA_URI_V4;
    this.#expiresInMinutes = options.expiresInMinutes ?? ECS_PROTECTION_DEFAULTS.expiresInMinutes;
    this.#fetch = options.fetch ?? globalThis.fetch;
  }

  /** Read (once) the cluster and task ARN from the task metadata endpoint. */
  identity(): Promise<EcsTaskIdentity> {
    this.#identity ??= (async () => {
      if (!this.#metadataUri) {
        throw new LeanFleetError(
          "not_configured",
          "ECS_CONTAINER_METADATA_URI_V4 is not set: EcsTaskProtection works only inside an ECS task; use NoopTaskProtection elsewhere",
        );
      }
      const res = await this.#fetch(`${this.#metadataUri}/task`);
      if (!res.ok)
        throw new LeanFleetError("aws_service", `ECS task metadata endpoint answered HTTP ${res.status}`, {
          status: res.status,
        });
      const body = (await res.json()) as { Cluster?: string; TaskARN?: string };
      if (!body.Cluster || !body.TaskARN)
        throw new LeanFleetError("aws_service", "ECS task metadata has no Cluster or TaskARN");
      return { cluster: body.Cluster, taskArn: body.TaskARN };
    })();
    this.#identity.catch(() => (this.#identity = undefined));
    return this.#identity;
  }

  async set(on: boolean): Promise<void> {
    const { cluster, taskArn } = await this.identity();
    const out = await this.#client.send(
      new UpdateTaskProtectionCommand({
        cluster,
        tasks: [taskArn],
        protectionEnabled: on,
        ...(on ? { expiresInMinutes: this.#expiresInMinutes } : {}),
      }),
    );
    const failure = out.failures?.[0];
    if (failure)
      throw new LeanFleetError(
        "aws_service",
        `UpdateTaskProtection failed for ${failure.arn ?? taskArn}: ${failure.reason ?? "?"} ${failure.detail ?? ""}`,
        { operation: "UpdateTaskProtection", ...(failure.reason ? { reason: failure.reason } : {}) },
      );
  }
}

/** Task protection outside ECS (local cluster, tests): nothing to protect. */
export class NoopTaskProtection implements TaskProtection {
  /** Last requested state, for tests and the health endpoint. */
  on = false;
  async set(on: boolean): Promise<void> {
    this.on = on;
  }
}
