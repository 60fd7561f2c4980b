// The deployment: one environment-agnostic stack composed of the network, storage, per-fleet queue + service +
// autoscaling, the API, nightly runs and monitoring, all from one validated DeploymentConfig.
import { CfnOutput, Stack, type StackProps } from "aws-cdk-lib";
import * as logs from "aws-cdk-lib/aws-logs";
import type { Construct } from "constructs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { type DeploymentConfig, type FleetPlan, planFleet } from "../config.js";
import { type ApiFleet, LeanFleetApi } from "./api.js";
import { FleetAutoscaling } from "./fleet-autoscaling.js";
import { FleetQueue } from "./fleet-queue.js";
import { FleetService } from "./fleet-service.js";
import { type MonitoredFleet, Monitoring } from "./monitoring.js";
import { WorkerNetwork } from "./network.js";
import { type NightlyFleet, NightlyRuns } from "./nightly.js";
import { DeadLetterConsumer } from "./dead-letter-consumer.js";
import { Storage } from "./storage.js";

/** The repository root (the worker image's build context and the Lambdas' project root). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/** Props of {@link LeanFleetStack}. */
export interface LeanFleetStackProps extends StackProps {
  /** The validated deployment config. */
  readonly config: DeploymentConfig;
  /** Repository root. @default REPO_ROOT */
  readonly repoRoot?: string;
}

/** Everything one fleet is made of. */
export interface FleetResources {
  readonly plan: FleetPlan;
  readonly queue: FleetQueue;
  readonly service: FleetService;
  readonly scaling: FleetAutoscaling;
}

/** Nearest CloudWatch Logs retention at or above `days`. */
export function retentionFor(days: number): logs.RetentionDays {
  const all = Object.values(logs.RetentionDays)
    .filter((v): v is logs.RetentionDays => typeof v === "number" && v > 0)
    .sort((a, b) => a - b);
  return all.find((d) => d >= days) ?? logs.RetentionDays.INFINITE;
}

/** The LeanFleet deployment stack. */
export class LeanFleetStack extends Stack {
  readonly network: WorkerNetwork;
  readonly storage: Storage;
  readonly fleets: FleetResources[];
  readonly api: LeanFleetApi;
  readonly nightly: NightlyRuns | undefined;
  /** The consumer of every fleet's dead-letter queue. */
  readonly deadLetter: DeadLetterConsumer;
  readonly monitoring: Monitoring;

  constructor(scope: Construct, id: string, props: LeanFleetStackProps) {
    super(scope, id, {
      description: "LeanFleet: Lean 4 REPL fleets behind SQS, with autoscaling to zero (aws-cdk)",
      ...props,
    });
    const { config } = props;
    const repoRoot = props.repoRoot ?? REPO_ROOT;
    const logRetention = retentionFor(config.logRetentionDays);

    this.network = new WorkerNetwork(this, "Network", {
      cidr: config.network.cidr,
      maxAzs: config.network.maxAzs,
      logRetention,
    });
    this.storage = new Storage(this, "Storage", config.storage);
    this.network.allowBucket(this.storage.bucket.bucketArn);

    this.fleets = config.fleets.map(planFleet).map((plan) => this.createFleet(plan, repoRoot, logRetention));
    const refs = this.fleets.map(fleetRef);
    this.api = new LeanFleetApi(this, "Api", {
      repoRoot,
      fleets: refs,
      bucket: this.storage.bucket,
      apiKeysParameterName: config.api.keysParameterName,
      rateLimitPerSecond: config.api.rateLimitPerSecond,
      burstLimit: config.api.burstLimit,
      memoryMiB: config.api.memoryMiB,
      logRetention,
    });
    this.nightly =
      config.nightly.runs.length > 0
        ? new NightlyRuns(this, "Nightly", {
            repoRoot,
            bucket: this.storage.bucket,
            fleets: refs,
            runs: config.nightly.runs,
            checkEveryMinutes: config.nightly.checkEveryMinutes,
            logRetention,
          })
        : undefined;
    this.deadLetter = new DeadLetterConsumer(this, "DeadLetter", {
      repoRoot,
      bucket: this.storage.bucket,
      fleets: this.fleets.map((f) => ({ name: f.plan.name, deadLetterQueue: f.queue.deadLetterQueue })),
      logRetention,
    });
    this.addOutputs();
    this.monitoring = new Monitoring(this, "Monitoring", {
      fleets: refs,
      oldestMessageAgeSeconds: config.alarms.oldestMessageAgeSeconds,
      replRestartsPerMinute: config.alarms.replRestartsPerMinute,
      ...(config.alarms.email ? { email: config.alarms.email } : {}),
      logRetention,
      httpApiId: this.api.httpApi.apiId,
    });
  }

  /** One fleet: its queue, its service and the service's autoscaling. */
  private createFleet(plan: FleetPlan, repoRoot: string, logRetention: logs.RetentionDays): FleetResources {
    const queue = new FleetQueue(this, `Queue-${plan.name}`, {
      visibilitySeconds: plan.visibilitySeconds,
      maxReceiveCount: plan.maxReceiveCount,
    });
    const service = new FleetService(this, `Fleet-${plan.name}`, {
      plan,
      vpc: this.network.vpc,
      securityGroup: this.network.workerSecurityGroup,
      queue: queue.queue,
      bucket: this.storage.bucket,
      repoRoot,
      logRetention,
    });
    const scaling = new FleetAutoscaling(this, `Scaling-${plan.name}`, {
      fleet: plan.name,
      queue: queue.queue,
      cluster: service.cluster,
      service: service.service,
      minTasks: plan.minTasks,
      maxTasks: plan.maxTasks,
    });
    return { plan, queue, service, scaling };
  }

  /** The data bucket's name and each fleet's queue URL. */
  private addOutputs(): void {
    new CfnOutput(this, "DataBucket", {
      value: this.storage.bucket.bucketName,
      description: "Bucket for datasets (nightly manifests), inputs, results and run summaries",
    });
    for (const f of this.fleets) {
      new CfnOutput(this, `QueueUrl-${f.plan.name}`, {
        value: f.queue.queue.queueUrl,
        description: `Job queue of fleet ${f.plan.name}`,
      });
    }
  }
}

/** What the API, the nightly runs and monitoring need to know about a fleet. */
function fleetRef(f: FleetResources): ApiFleet & NightlyFleet & MonitoredFleet {
  return {
    name: f.plan.name,
    queue: f.queue.queue,
    deadLetterQueue: f.queue.deadLetterQueue,
    cluster: f.service.cluster,
    service: f.service.service,
    minTasks: f.plan.minTasks,
    maxTasks: f.plan.maxTasks,
  };
}
