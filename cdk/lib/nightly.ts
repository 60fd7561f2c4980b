// Nightly runs: EventBridge schedules that start each configured run, and a frequent check that lowers the
// fleet's minimum again and writes the run's summary when it is done (functions/nightly/handler.ts).
import { type CfnElement, Duration, Stack, Validations } from "aws-cdk-lib";
import type * as ecs from "aws-cdk-lib/aws-ecs";
import * as events from "aws-cdk-lib/aws-events";
import * as targets from "aws-cdk-lib/aws-events-targets";
import * as iam from "aws-cdk-lib/aws-iam";
import type * as logs from "aws-cdk-lib/aws-logs";
import type * as s3 from "aws-cdk-lib/aws-s3";
import type * as sqs from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import type { NightlyRunConfig } from "../config.js";
import { NIGHTLY_ENV } from "../../functions/nightly/index.js";
import { LeanFleetFunction } from "./node-function.js";

/** A fleet a nightly run can use. */
export interface NightlyFleet {
  readonly name: string;
  readonly queue: sqs.IQueue;
  readonly cluster: ecs.ICluster;
  readonly service: ecs.BaseService;
  /** The fleet's configured minimum, restored after the run starts. */
  readonly minTasks: number;
  /** The fleet's maximum (a run starts this many unless it says otherwise). */
  readonly maxTasks: number;
}

/** Props of {@link NightlyRuns}. */
export interface NightlyRunsProps {
  readonly repoRoot: string;
  readonly bucket: s3.IBucket;
  readonly fleets: readonly NightlyFleet[];
  readonly runs: readonly NightlyRunConfig[];
  /** Minutes between checks of active runs. @default 5 */
  readonly checkEveryMinutes?: number;
  readonly logRetention?: logs.RetentionDays;
}

/** Environment variable names of the nightly function (functions/nightly/config.ts reads them). */
export const NIGHTLY_ENVIRONMENT = { bucket: NIGHTLY_ENV.bucket, fleets: NIGHTLY_ENV.fleets } as const;

/** The event a run's schedule sends. */
export function startEvent(run: NightlyRunConfig, fleet: NightlyFleet): Record<string, unknown> {
  return {
    action: "start",
    run: {
      name: run.name,
      fleet: run.fleet,
      manifestKey: run.manifestKey,
      startTasks: run.startTasks ?? fleet.maxTasks,
    },
  };
}

/**
 * One function, one schedule per run (`{"action":"start","run":{...}}`) and one check schedule
 * (`{"action":"check"}`, every `checkEveryMinutes`). The function may read the bucket, write batch, input,
 * run-state and summary objects, send to the runs' queues, and change the min capacity of the runs' services.
 */
export class NightlyRuns extends Construct {
  /** The function. */
  readonly function: LeanFleetFunction;
  /** Start schedules by run name. */
  readonly startRules: Map<string, events.Rule> = new Map();
  /** The check schedule. */
  readonly checkRule: events.Rule;

  constructor(scope: Construct, id: string, props: NightlyRunsProps) {
    super(scope, id);
    const used = props.fleets.filter((f) => props.runs.some((r) => r.fleet === f.name));
    this.function = this.createFunction(props, used);
    // Overlapping invocations are safe without reserved concurrency: a run starts through a conditional put of its
    // state object, and finishing a run twice writes the same summary.
    this.grantFunction(props.bucket, used);
    for (const run of props.runs) this.startRules.set(run.name, this.scheduleRun(run, used));
    this.checkRule = new events.Rule(this, "Check", {
      description: "LeanFleet nightly runs: lower min capacity after the start, summarise finished runs",
      schedule: events.Schedule.rate(Duration.minutes(props.checkEveryMinutes ?? 5)),
      enabled: props.runs.length > 0,
    });
    this.checkRule.addTarget(
      new targets.LambdaFunction(this.function.fn, {
        event: events.RuleTargetInput.fromObject({ action: "check" }),
        retryAttempts: 0,
      }),
    );
    this.acknowledgeFindings(props.bucket);
  }

  /** The function, told the bucket and, for each fleet a run uses, its queue, cluster, service and minimum. */
  private createFunction(props: NightlyRunsProps, used: readonly NightlyFleet[]): LeanFleetFunction {
    return new LeanFleetFunction(this, "Handler", {
      repoRoot: props.repoRoot,
      entry: "functions/nightly/handler.ts",
      memoryMiB: 1024,
      timeout: Duration.minutes(15),
      description: "LeanFleet nightly runs: submit, scale, summarise",
      ...(props.logRetention ? { logRetention: props.logRetention } : {}),
      environment: {
        [NIGHTLY_ENVIRONMENT.bucket]: props.bucket.bucketName,
        [NIGHTLY_ENVIRONMENT.fleets]: Stack.of(this).toJsonString(
          Object.fromEntries(
            used.map((f) => [
              f.name,
              {
                queueUrl: f.queue.queueUrl,
                cluster: f.cluster.clusterName,
                service: f.service.serviceName,
                minTasks: f.minTasks,
              },
            ]),
          ),
        ),
      },
    });
  }

  /** Read the bucket, write run objects, send to the runs' queues, set the min capacity of the runs' services. */
  private grantFunction(bucket: s3.IBucket, used: readonly NightlyFleet[]): void {
    const fn = this.function.fn;
    bucket.grantRead(fn);
    for (const p of ["batches/*", "inputs/*", "nightly/*", "results/*/summary.json", "results/*/verdicts.json"])
      bucket.grantPut(fn, p);
    bucket.grantDelete(fn, "nightly/*");
    for (const f of used) f.queue.grantSendMessages(fn);
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        sid: "FleetMinCapacity",
        actions: ["application-autoscaling:RegisterScalableTarget", "application-autoscaling:DescribeScalableTargets"],
        resources: ["*"],
        conditions: {
          StringEquals: {
            "application-autoscaling:service-namespace": "ecs",
            "application-autoscaling:scalable-dimension": "ecs:service:DesiredCount",
          },
        },
      }),
    );
    if (used.length > 0) {
      fn.addToRolePolicy(
        new iam.PolicyStatement({
          sid: "FleetServices",
          actions: ["ecs:DescribeServices", "ecs:UpdateService"],
          resources: used.map((f) => f.service.serviceArn),
        }),
      );
    }
  }

  /** The schedule that starts one run. */
  private scheduleRun(run: NightlyRunConfig, used: readonly NightlyFleet[]): events.Rule {
    const fleet = used.find((f) => f.name === run.fleet)!;
    const rule = new events.Rule(this, `Start-${run.name}`, {
      description: `LeanFleet nightly run ${run.name} on fleet ${run.fleet}`,
      schedule: events.Schedule.expression(run.schedule),
    });
    rule.addTarget(
      new targets.LambdaFunction(this.function.fn, {
        event: events.RuleTargetInput.fromObject(startEvent(run, fleet)),
        retryAttempts: 2,
      }),
    );
    return rule;
  }

  /** cdk-nag findings on the function's role that are intended, each with its reason. */
  private acknowledgeFindings(bucket: s3.IBucket): void {
    const bucketId = Stack.of(this).getLogicalId(bucket.node.defaultChild as CfnElement);
    Validations.of(this.function.fn).acknowledge(
      {
        id: "AwsSolutions-IAM5[Resource::*]",
        reason:
          "Application Auto Scaling targets have no stable ARN; the statement is limited by condition to ECS service desired counts.",
      },
      {
        id: "AwsSolutions-IAM5[Action::s3:GetObject*]",
        reason: "Grant-generated read of dataset manifests, results and run state.",
      },
      {
        id: "AwsSolutions-IAM5[Action::s3:GetBucket*]",
        reason: "Grant-generated bucket metadata reads of the deployment bucket only.",
      },
      { id: "AwsSolutions-IAM5[Action::s3:List*]", reason: "Counting a run's results means listing them." },
      { id: "AwsSolutions-IAM5[Action::s3:Abort*]", reason: "Grant-generated: abort an interrupted multipart upload." },
      {
        id: "AwsSolutions-IAM5[Action::s3:DeleteObject*]",
        reason: "Grant-generated delete of run-state objects under nightly/ only.",
      },
      ...["*", "batches/*", "inputs/*", "nightly/*", "results/*/summary.json", "results/*/verdicts.json"].map((p) => ({
        id: `AwsSolutions-IAM5[Resource::<${bucketId}.Arn>/${p}]`,
        reason: `Objects are keyed by run, batch and job ids; the function needs every object under ${p === "*" ? "the bucket (read)" : p}.`,
      })),
    );
  }
}
