// Alarms and the deployment's dashboard: dead-letter queue not empty, oldest message age, out-of-memory task stops
// (exit code 137, from ECS task state events), REPL restarts per minute (the worker's EMF metrics).
import { ArnFormat, Aws, Duration, Stack, Validations } from "aws-cdk-lib";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import * as cwactions from "aws-cdk-lib/aws-cloudwatch-actions";
import type * as ecs from "aws-cdk-lib/aws-ecs";
import * as events from "aws-cdk-lib/aws-events";
import * as iam from "aws-cdk-lib/aws-iam";
import * as logs from "aws-cdk-lib/aws-logs";
import * as sns from "aws-cdk-lib/aws-sns";
import * as subs from "aws-cdk-lib/aws-sns-subscriptions";
import type * as sqs from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";

/** The worker's EMF metrics (services/worker/metrics.ts `METRICS`; a test keeps the two equal). */
export const WORKER_METRICS = {
  namespace: "LeanFleet",
  dimension: "Fleet",
  jobs: "Jobs",
  runMs: "RunMs",
  replRestarts: "ReplRestarts",
} as const;
/** Metric counting task stops with exit code 137, per cluster (from the ECS task-stop log group's metric filter). */
export const OOM_METRIC = { namespace: "LeanFleet", name: "TaskStopsExit137", dimension: "ClusterArn" } as const;

/** What monitoring needs to know about a fleet. */
export interface MonitoredFleet {
  readonly name: string;
  readonly queue: sqs.IQueue;
  readonly deadLetterQueue: sqs.IQueue;
  readonly cluster: ecs.ICluster;
  readonly service: ecs.BaseService;
}

/** Props of {@link Monitoring}. */
export interface MonitoringProps {
  readonly fleets: readonly MonitoredFleet[];
  /** Alarm when the oldest visible message is older than this, in seconds. @default 3600 */
  readonly oldestMessageAgeSeconds?: number;
  /** Alarm when REPL restarts per minute reach this in 3 of 5 minutes. @default 10 */
  readonly replRestartsPerMinute?: number;
  /** E-mail address subscribed to the alarm topic. @default - none */
  readonly email?: string;
  readonly logRetention?: logs.RetentionDays;
  /** The API's HTTP API id, for the dashboard. @default - no API widgets */
  readonly httpApiId?: string;
}

/** Alarms of one fleet. */
export interface FleetAlarms {
  readonly deadLetter: cloudwatch.Alarm;
  readonly oldestMessage: cloudwatch.Alarm;
  readonly outOfMemory: cloudwatch.Alarm;
  readonly replRestarts: cloudwatch.Alarm;
}

/**
 * One SNS topic for every alarm, per-fleet alarms, and one dashboard. Exit-137 stops are caught by an EventBridge
 * rule on "ECS Task State Change" events whose containers exited with 137 (kernel OOM kill at the hard limit, or
 * SIGKILL after the stop timeout); the rule writes them to a log group whose metric filter counts them per cluster.
 */
export class Monitoring extends Construct {
  /** The alarm topic. */
  readonly topic: sns.Topic;
  /** Alarms by fleet name. */
  readonly alarms: Map<string, FleetAlarms> = new Map();
  /** The exit-137 event rule. */
  readonly oomRule: events.Rule;
  /** The dashboard. */
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.topic = new sns.Topic(this, "Alarms", { displayName: "LeanFleet alarms", enforceSSL: true });
    Validations.of(this.topic).acknowledge({
      id: "AwsSolutions-SNS2",
      reason:
        "Alarm notifications carry only alarm names and states; CloudWatch cannot publish to a topic under the AWS-managed SNS key, and a customer key would cost more than the data is worth.",
    });
    if (props.email) this.topic.addSubscription(new subs.EmailSubscription(props.email));
    const action = new cwactions.SnsAction(this.topic);

    // Exit-137 task stops -> log group -> metric filter (dimension: the cluster ARN of the event).
    const stopLogGroupName = `/aws/events/leanfleet/${stack.stackName}/task-stops-137`;
    const stopLogs = new logs.LogGroup(this, "TaskStops137", {
      logGroupName: stopLogGroupName,
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
    });
    const stopLogsArn = stack.formatArn({
      service: "logs",
      resource: "log-group",
      resourceName: stopLogGroupName,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    new logs.CfnResourcePolicy(this, "TaskStopsPolicy", {
      policyName: `${stack.stackName}-task-stops-137`,
      policyDocument: stack.toJsonString(
        new iam.PolicyDocument({
          statements: [
            new iam.PolicyStatement({
              principals: [
                new iam.ServicePrincipal("events.amazonaws.com"),
                new iam.ServicePrincipal("delivery.logs.amazonaws.com"),
              ],
              actions: ["logs:CreateLogStream", "logs:PutLogEvents"],
              resources: [stopLogs.logGroupArn],
              conditions: { StringEquals: { "aws:SourceAccount": Aws.ACCOUNT_ID } },
            }),
          ],
        }).toJSON(),
      ),
    });
    this.oomRule = new events.Rule(this, "Exit137Rule", {
      description: "LeanFleet worker tasks stopped with a container exit code 137 (out of memory or SIGKILL)",
      eventPattern: {
        source: ["aws.ecs"],
        detailType: ["ECS Task State Change"],
        detail: {
          clusterArn: props.fleets.map((f) => f.cluster.clusterArn),
          lastStatus: ["STOPPED"],
          containers: { exitCode: [137] },
        },
      },
    });
    this.oomRule.addTarget({ bind: () => ({ arn: stopLogsArn }) });
    stopLogs.addMetricFilter("Exit137", {
      filterPattern: logs.FilterPattern.stringValue("$.detail.lastStatus", "=", "STOPPED"),
      metricNamespace: OOM_METRIC.namespace,
      metricName: OOM_METRIC.name,
      metricValue: "1",
      dimensions: { [OOM_METRIC.dimension]: "$.detail.clusterArn" },
      unit: cloudwatch.Unit.COUNT,
    });

    const widgets: cloudwatch.IWidget[][] = [];
    for (const f of props.fleets) {
      const minute = Duration.minutes(1);
      const dlqDepth = f.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
        period: minute,
        statistic: "Maximum",
      });
      const oldest = f.queue.metricApproximateAgeOfOldestMessage({ period: minute, statistic: "Maximum" });
      const oom = new cloudwatch.Metric({
        namespace: OOM_METRIC.namespace,
        metricName: OOM_METRIC.name,
        dimensionsMap: { [OOM_METRIC.dimension]: f.cluster.clusterArn },
        statistic: "Sum",
        period: minute,
      });
      const restarts = new cloudwatch.Metric({
        namespace: WORKER_METRICS.namespace,
        metricName: WORKER_METRICS.replRestarts,
        dimensionsMap: { [WORKER_METRICS.dimension]: f.name },
        statistic: "Sum",
        period: minute,
      });
      const alarms: FleetAlarms = {
        deadLetter: new cloudwatch.Alarm(this, `${f.name}-DeadLetter`, {
          alarmDescription: `${f.name}: the dead-letter queue holds messages (poison jobs or workers dying on them); inspect and redrive or delete`,
          metric: dlqDepth,
          threshold: 1,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          evaluationPeriods: 1,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        }),
        oldestMessage: new cloudwatch.Alarm(this, `${f.name}-OldestMessage`, {
          alarmDescription: `${f.name}: a job has waited over ${props.oldestMessageAgeSeconds ?? 3600} s; the fleet is too small or not scaling`,
          metric: oldest,
          threshold: props.oldestMessageAgeSeconds ?? 3600,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          evaluationPeriods: 5,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        }),
        outOfMemory: new cloudwatch.Alarm(this, `${f.name}-Exit137`, {
          alarmDescription: `${f.name}: a worker task stopped with exit code 137 (container memory hard limit or stop timeout); lower replMemoryMiB or replCount, or raise memoryMiB`,
          metric: oom,
          threshold: 1,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          evaluationPeriods: 1,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        }),
        replRestarts: new cloudwatch.Alarm(this, `${f.name}-ReplRestarts`, {
          alarmDescription: `${f.name}: REPLs restart often (crashes, memory limit, timeouts); see the worker logs`,
          metric: restarts,
          threshold: props.replRestartsPerMinute ?? 10,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          evaluationPeriods: 5,
          datapointsToAlarm: 3,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        }),
      };
      for (const a of Object.values(alarms)) a.addAlarmAction(action);
      this.alarms.set(f.name, alarms);

      const visible = f.queue.metricApproximateNumberOfMessagesVisible({
        period: minute,
        statistic: "Maximum",
        label: "visible",
      });
      const inflight = f.queue.metricApproximateNumberOfMessagesNotVisible({
        period: minute,
        statistic: "Maximum",
        label: "in flight",
      });
      const running = new cloudwatch.Metric({
        namespace: "ECS/ContainerInsights",
        metricName: "RunningTaskCount",
        dimensionsMap: { ClusterName: f.cluster.clusterName, ServiceName: f.service.serviceName },
        statistic: "Average",
        period: minute,
        label: "running tasks",
      });
      const jobs = new cloudwatch.Metric({
        namespace: WORKER_METRICS.namespace,
        metricName: WORKER_METRICS.jobs,
        dimensionsMap: { [WORKER_METRICS.dimension]: f.name },
        statistic: "Sum",
        period: minute,
        label: "jobs/min",
      });
      const runMs = new cloudwatch.Metric({
        namespace: WORKER_METRICS.namespace,
        metricName: WORKER_METRICS.runMs,
        dimensionsMap: { [WORKER_METRICS.dimension]: f.name },
        statistic: "p50",
        period: minute,
        label: "run ms p50",
      });
      widgets.push([
        new cloudwatch.GraphWidget({
          title: `${f.name}: queue`,
          left: [visible, inflight],
          right: [dlqDepth.with({ label: "dead letter" })],
          width: 8,
        }),
        new cloudwatch.GraphWidget({ title: `${f.name}: tasks and jobs`, left: [running], right: [jobs], width: 8 }),
        new cloudwatch.GraphWidget({
          title: `${f.name}: health`,
          left: [restarts.with({ label: "REPL restarts/min" }), oom.with({ label: "exit 137 stops" })],
          right: [oldest.with({ label: "oldest message s" }), runMs],
          width: 8,
        }),
      ]);
    }
    if (props.httpApiId) {
      const api = (metricName: string, statistic: string) =>
        new cloudwatch.Metric({
          namespace: "AWS/ApiGateway",
          metricName,
          dimensionsMap: { ApiId: props.httpApiId!, Stage: "$default" },
          statistic,
          period: Duration.minutes(1),
        });
      widgets.push([
        new cloudwatch.GraphWidget({
          title: "API requests and errors",
          left: [api("Count", "Sum")],
          right: [api("4xx", "Sum"), api("5xx", "Sum")],
          width: 12,
        }),
        new cloudwatch.GraphWidget({
          title: "API latency",
          left: [api("Latency", "p50"), api("Latency", "p99")],
          width: 12,
        }),
      ]);
    }
    this.dashboard = new cloudwatch.Dashboard(this, "Dashboard", {
      dashboardName: `${stack.stackName}-leanfleet`,
      widgets,
    });
  }
}
