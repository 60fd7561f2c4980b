// Alarms and the deployment's dashboard: dead-letter queue not empty, oldest message age, out-of-memory task stops
// (exit code 137, from ECS task state events), REPL restarts per minute (the worker's EMF metrics).
import { ArnFormat, Aws, Stack, Validations } from "aws-cdk-lib";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import * as cwactions from "aws-cdk-lib/aws-cloudwatch-actions";
import * as events from "aws-cdk-lib/aws-events";
import * as iam from "aws-cdk-lib/aws-iam";
import * as logs from "aws-cdk-lib/aws-logs";
import * as sns from "aws-cdk-lib/aws-sns";
import * as subs from "aws-cdk-lib/aws-sns-subscriptions";
import { Construct } from "constructs";
import {
  apiDashboardRow,
  type FleetMetrics,
  fleetDashboardRow,
  fleetMetrics,
  type MonitoredFleet,
  OOM_METRIC,
} from "./fleet-metrics.js";

export { OOM_METRIC, WORKER_METRICS, type MonitoredFleet } from "./fleet-metrics.js";

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
    this.topic = this.createTopic(props.email);
    const action = new cwactions.SnsAction(this.topic);
    this.oomRule = this.countExit137Stops(props);

    const widgets: cloudwatch.IWidget[][] = [];
    for (const f of props.fleets) {
      const metrics = fleetMetrics(f);
      const alarms = this.fleetAlarms(f.name, metrics, props);
      for (const a of Object.values(alarms)) a.addAlarmAction(action);
      this.alarms.set(f.name, alarms);
      widgets.push(fleetDashboardRow(f.name, metrics));
    }
    if (props.httpApiId) widgets.push(apiDashboardRow(props.httpApiId));
    this.dashboard = new cloudwatch.Dashboard(this, "Dashboard", {
      dashboardName: `${stack.stackName}-leanfleet`,
      widgets,
    });
  }

  /** The alarm topic, with its e-mail subscription when one is configured. */
  private createTopic(email: string | undefined): sns.Topic {
    const topic = new sns.Topic(this, "Alarms", { displayName: "LeanFleet alarms", enforceSSL: true });
    Validations.of(topic).acknowledge({
      id: "AwsSolutions-SNS2",
      reason:
        "Alarm notifications carry only alarm names and states; CloudWatch cannot publish to a topic under the AWS-managed SNS key, and a customer key would cost more than the data is worth.",
    });
    if (email) topic.addSubscription(new subs.EmailSubscription(email));
    return topic;
  }

  /** Exit-137 task stops -> log group -> metric filter (dimension: the cluster ARN of the event). */
  private countExit137Stops(props: MonitoringProps): events.Rule {
    const stopLogs = this.taskStopLogs(props.logRetention);
    const rule = new events.Rule(this, "Exit137Rule", {
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
    rule.addTarget({ bind: () => ({ arn: stopLogs.arn }) });
    stopLogs.logGroup.addMetricFilter("Exit137", {
      filterPattern: logs.FilterPattern.stringValue("$.detail.lastStatus", "=", "STOPPED"),
      metricNamespace: OOM_METRIC.namespace,
      metricName: OOM_METRIC.name,
      metricValue: "1",
      dimensions: { [OOM_METRIC.dimension]: "$.detail.clusterArn" },
      unit: cloudwatch.Unit.COUNT,
    });
    return rule;
  }

  /** The log group the exit-137 rule writes to, with the resource policy that lets EventBridge write to it. */
  private taskStopLogs(retention: logs.RetentionDays | undefined): { logGroup: logs.LogGroup; arn: string } {
    const stack = Stack.of(this);
    const logGroupName = `/aws/events/leanfleet/${stack.stackName}/task-stops-137`;
    const logGroup = new logs.LogGroup(this, "TaskStops137", {
      logGroupName,
      retention: retention ?? logs.RetentionDays.ONE_MONTH,
    });
    const arn = stack.formatArn({
      service: "logs",
      resource: "log-group",
      resourceName: logGroupName,
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
              resources: [logGroup.logGroupArn],
              conditions: { StringEquals: { "aws:SourceAccount": Aws.ACCOUNT_ID } },
            }),
          ],
        }).toJSON(),
      ),
    });
    return { logGroup, arn };
  }

  /** The four alarms of one fleet, in the order they are created. */
  private fleetAlarms(name: string, m: FleetMetrics, props: MonitoringProps): FleetAlarms {
    const oldestSeconds = props.oldestMessageAgeSeconds ?? 3600;
    return {
      deadLetter: this.alarm(`${name}-DeadLetter`, {
        alarmDescription: `${name}: the dead-letter queue holds messages (poison jobs or workers dying on them); inspect and redrive or delete`,
        metric: m.dlqDepth,
        threshold: 1,
        evaluationPeriods: 1,
      }),
      oldestMessage: this.alarm(`${name}-OldestMessage`, {
        alarmDescription: `${name}: a job has waited over ${oldestSeconds} s; the fleet is too small or not scaling`,
        metric: m.oldest,
        threshold: oldestSeconds,
        evaluationPeriods: 5,
      }),
      outOfMemory: this.alarm(`${name}-Exit137`, {
        alarmDescription: `${name}: a worker task stopped with exit code 137 (container memory hard limit or stop timeout); lower replMemoryMiB or replCount, or raise memoryMiB`,
        metric: m.oom,
        threshold: 1,
        evaluationPeriods: 1,
      }),
      replRestarts: this.alarm(`${name}-ReplRestarts`, {
        alarmDescription: `${name}: REPLs restart often (crashes, memory limit, timeouts); see the worker logs`,
        metric: m.restarts,
        threshold: props.replRestartsPerMinute ?? 10,
        evaluationPeriods: 5,
        datapointsToAlarm: 3,
      }),
    };
  }

  /** An alarm at or above its threshold; missing data (no traffic) is not a breach. */
  private alarm(
    id: string,
    a: Pick<
      cloudwatch.AlarmProps,
      "alarmDescription" | "metric" | "threshold" | "evaluationPeriods" | "datapointsToAlarm"
    >,
  ): cloudwatch.Alarm {
    // Keys in this order: CDK's construct analytics (CDKMetadata) record the props in the order given.
    return new cloudwatch.Alarm(this, id, {
      alarmDescription: a.alarmDescription,
      metric: a.metric,
      threshold: a.threshold,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: a.evaluationPeriods,
      ...(a.datapointsToAlarm === undefined ? {} : { datapointsToAlarm: a.datapointsToAlarm }),
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
  }
}
