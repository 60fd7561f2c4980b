// The CloudWatch metrics monitoring reads for each fleet (queue, dead-letter queue, tasks, the worker's EMF metrics,
// exit-137 stops) and the dashboard rows built from them, one per fleet plus one for the API.
import { Duration } from "aws-cdk-lib";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import type * as ecs from "aws-cdk-lib/aws-ecs";
import type * as sqs from "aws-cdk-lib/aws-sqs";

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

/** One fleet's metrics, each over one minute. */
export interface FleetMetrics {
  /** Messages in the dead-letter queue (maximum). */
  readonly dlqDepth: cloudwatch.Metric;
  /** Age of the oldest visible message in seconds (maximum). */
  readonly oldest: cloudwatch.Metric;
  /** Task stops with exit code 137 (sum). */
  readonly oom: cloudwatch.Metric;
  /** REPL restarts (sum). */
  readonly restarts: cloudwatch.Metric;
  /** Visible and in-flight messages (maximum). */
  readonly visible: cloudwatch.Metric;
  readonly inflight: cloudwatch.Metric;
  /** Running tasks (Container Insights, average). */
  readonly running: cloudwatch.Metric;
  /** Jobs finished (sum) and their median run time. */
  readonly jobs: cloudwatch.Metric;
  readonly runMs: cloudwatch.Metric;
}

/** A metric of the worker's EMF namespace for one fleet. */
function workerMetric(fleet: string, metricName: string, statistic: string, label?: string): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: WORKER_METRICS.namespace,
    metricName,
    dimensionsMap: { [WORKER_METRICS.dimension]: fleet },
    statistic,
    period: Duration.minutes(1),
    ...(label === undefined ? {} : { label }),
  });
}

/** The metrics alarms and the dashboard read for one fleet. */
export function fleetMetrics(f: MonitoredFleet): FleetMetrics {
  const minute = Duration.minutes(1);
  return {
    dlqDepth: f.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: minute, statistic: "Maximum" }),
    oldest: f.queue.metricApproximateAgeOfOldestMessage({ period: minute, statistic: "Maximum" }),
    oom: new cloudwatch.Metric({
      namespace: OOM_METRIC.namespace,
      metricName: OOM_METRIC.name,
      dimensionsMap: { [OOM_METRIC.dimension]: f.cluster.clusterArn },
      statistic: "Sum",
      period: minute,
    }),
    restarts: workerMetric(f.name, WORKER_METRICS.replRestarts, "Sum"),
    visible: f.queue.metricApproximateNumberOfMessagesVisible({
      period: minute,
      statistic: "Maximum",
      label: "visible",
    }),
    inflight: f.queue.metricApproximateNumberOfMessagesNotVisible({
      period: minute,
      statistic: "Maximum",
      label: "in flight",
    }),
    running: new cloudwatch.Metric({
      namespace: "ECS/ContainerInsights",
      metricName: "RunningTaskCount",
      dimensionsMap: { ClusterName: f.cluster.clusterName, ServiceName: f.service.serviceName },
      statistic: "Average",
      period: minute,
      label: "running tasks",
    }),
    jobs: workerMetric(f.name, WORKER_METRICS.jobs, "Sum", "jobs/min"),
    runMs: workerMetric(f.name, WORKER_METRICS.runMs, "p50", "run ms p50"),
  };
}

/** A fleet's dashboard row: its queue, its tasks and jobs, and its health. */
export function fleetDashboardRow(name: string, m: FleetMetrics): cloudwatch.IWidget[] {
  return [
    new cloudwatch.GraphWidget({
      title: `${name}: queue`,
      left: [m.visible, m.inflight],
      right: [m.dlqDepth.with({ label: "dead letter" })],
      width: 8,
    }),
    new cloudwatch.GraphWidget({ title: `${name}: tasks and jobs`, left: [m.running], right: [m.jobs], width: 8 }),
    new cloudwatch.GraphWidget({
      title: `${name}: health`,
      left: [m.restarts.with({ label: "REPL restarts/min" }), m.oom.with({ label: "exit 137 stops" })],
      right: [m.oldest.with({ label: "oldest message s" }), m.runMs],
      width: 8,
    }),
  ];
}

/** The API's dashboard row: requests and errors, and latency of its `$default` stage. */
export function apiDashboardRow(httpApiId: string): cloudwatch.IWidget[] {
  const api = (metricName: string, statistic: string) =>
    new cloudwatch.Metric({
      namespace: "AWS/ApiGateway",
      metricName,
      dimensionsMap: { ApiId: httpApiId, Stage: "$default" },
      statistic,
      period: Duration.minutes(1),
    });
  return [
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
  ];
}
