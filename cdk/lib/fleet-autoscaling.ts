// Backlog autoscaling of one fleet, from the numbers in services/scaling/policy.ts: target tracking on
// visible messages per running task, scale from zero, drain to one task, and scale to zero when idle.
import { Duration } from "aws-cdk-lib";
import * as appscaling from "aws-cdk-lib/aws-applicationautoscaling";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import * as cwactions from "aws-cdk-lib/aws-cloudwatch-actions";
import type * as ecs from "aws-cdk-lib/aws-ecs";
import type * as sqs from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { SCALING_POLICY } from "../../services/scaling/index.js";
import { fromZeroSteps } from "../scaling-steps.js";

/** Props of {@link FleetAutoscaling}. */
export interface FleetAutoscalingProps {
  /** Fleet name (used in policy names). */
  readonly fleet: string;
  /** The fleet's queue. */
  readonly queue: sqs.IQueue;
  /** The fleet's cluster (Container Insights must be on). */
  readonly cluster: ecs.ICluster;
  /** The fleet's service. */
  readonly service: ecs.BaseService;
  /** Minimum tasks. @default 0 */
  readonly minTasks?: number;
  /** Maximum tasks. */
  readonly maxTasks: number;
  /** The policy numbers. @default SCALING_POLICY */
  readonly policy?: typeof SCALING_POLICY;
}

/** Metric math of the backlog per task: visible messages / running tasks (all visible messages when none runs). */
export const BACKLOG_PER_TASK_EXPRESSION =
  "IF(FILL(running, 0) > 0, FILL(visible, 0) / FILL(running, 0), FILL(visible, 0))";
/** Alarm math of scale from zero: the visible count while no task runs, else 0. */
export const FROM_ZERO_EXPRESSION = "IF(FILL(running, 0) < 1, FILL(visible, 0), 0)";
/** Alarm math of the drain rule: 1 when nothing is visible and more than one task runs. */
export const DRAIN_EXPRESSION = "IF(FILL(visible, 0) == 0 AND FILL(running, 0) > 1, 1, 0)";
/** Alarm math of scale to zero: 1 when visible plus in-flight messages are 0. */
export const IDLE_EXPRESSION = "IF(FILL(visible, 0) + FILL(inflight, 0) == 0, 1, 0)";

/** The metrics every policy reads, over the policy's period. */
interface BacklogMetrics {
  readonly period: Duration;
  /** SQS visible and in-flight messages (maximum). */
  readonly visible: cloudwatch.Metric;
  readonly inflight: cloudwatch.Metric;
  /** Container Insights' running tasks of the service (average). */
  readonly running: cloudwatch.Metric;
}

function backlogMetrics(props: FleetAutoscalingProps, period: Duration): BacklogMetrics {
  const sqsMetric = (metricName: string) =>
    new cloudwatch.Metric({
      namespace: "AWS/SQS",
      metricName,
      dimensionsMap: { QueueName: props.queue.queueName },
      statistic: "Maximum",
      period,
    });
  return {
    period,
    visible: sqsMetric("ApproximateNumberOfMessagesVisible"),
    inflight: sqsMetric("ApproximateNumberOfMessagesNotVisible"),
    running: new cloudwatch.Metric({
      namespace: "ECS/ContainerInsights",
      metricName: "RunningTaskCount",
      dimensionsMap: { ClusterName: props.cluster.clusterName, ServiceName: props.service.serviceName },
      statistic: "Average",
      period,
    }),
  };
}

/** A metric as the L1 target tracking policy's `metricStat`. */
function metricStat(m: cloudwatch.Metric): appscaling.CfnScalingPolicy.TargetTrackingMetricStatProperty {
  return {
    metric: {
      namespace: m.namespace,
      metricName: m.metricName,
      dimensions: Object.entries(m.dimensions ?? {}).map(([name, value]) => ({ name, value: String(value) })),
    },
    stat: m.statistic,
  };
}

/**
 * The scalable target (min 0 unless configured) and four policies:
 * 1. target tracking on backlog per task (metric math over SQS visible messages and Container Insights'
 *    RunningTaskCount), target `backlogPerTaskTarget`, with the policy's cooldowns;
 * 2. scale from zero: target tracking cannot multiply zero tasks, so an alarm on "visible >= 1 while no task runs"
 *    sets an exact count through doubling steps (see cdk/scaling-steps.ts);
 * 3. drain: when nothing is visible for `drainScaleInMinutes` and more than one task runs, set one task; tasks
 *    running jobs hold scale-in protection, so ECS stops each only once it is idle;
 * 4. scale to zero once visible + in-flight stay 0 for `idleMinutesBeforeZero`.
 */
export class FleetAutoscaling extends Construct {
  /** The scalable target (ECS service desired count). */
  readonly target: appscaling.ScalableTarget;
  /** The target tracking policy. */
  readonly backlogPolicy: appscaling.CfnScalingPolicy;
  /** Alarms of the step policies. */
  readonly fromZeroAlarm: cloudwatch.Alarm;
  readonly drainAlarm: cloudwatch.Alarm;
  readonly idleAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: FleetAutoscalingProps) {
    super(scope, id);
    const policy = props.policy ?? SCALING_POLICY;
    const metrics = backlogMetrics(props, Duration.seconds(policy.metricPeriodSeconds));
    this.target = new appscaling.ScalableTarget(this, "Target", {
      serviceNamespace: appscaling.ServiceNamespace.ECS,
      scalableDimension: "ecs:service:DesiredCount",
      resourceId: `service/${props.cluster.clusterName}/${props.service.serviceName}`,
      minCapacity: props.minTasks ?? 0,
      maxCapacity: props.maxTasks,
    });
    this.backlogPolicy = this.trackBacklogPerTask(props.fleet, policy, metrics);
    this.fromZeroAlarm = this.scaleFromZero(props, policy, metrics);
    this.drainAlarm = this.drainToOne(props.fleet, policy, metrics);
    this.idleAlarm = this.scaleToZero(props.fleet, policy, metrics);
  }

  /** 1. Target tracking. The L2 policy takes a single metric, so the metric math goes through the L1 resource. */
  private trackBacklogPerTask(
    fleet: string,
    policy: typeof SCALING_POLICY,
    m: BacklogMetrics,
  ): appscaling.CfnScalingPolicy {
    return new appscaling.CfnScalingPolicy(this, "BacklogPerTask", {
      policyName: `${fleet}-backlog-per-task`,
      policyType: "TargetTrackingScaling",
      scalingTargetId: this.target.scalableTargetId,
      targetTrackingScalingPolicyConfiguration: {
        targetValue: policy.backlogPerTaskTarget,
        scaleOutCooldown: policy.scaleOutCooldownSeconds,
        scaleInCooldown: policy.scaleInCooldownSeconds,
        customizedMetricSpecification: {
          metrics: [
            { id: "visible", metricStat: metricStat(m.visible), returnData: false },
            { id: "running", metricStat: metricStat(m.running), returnData: false },
            {
              id: "backlogPerTask",
              expression: BACKLOG_PER_TASK_EXPRESSION,
              label: "Visible messages per running task",
              returnData: true,
            },
          ],
        },
      },
    });
  }

  /** 2. Scale from zero: an exact task count by doubling steps of the visible count (cdk/scaling-steps.ts). */
  private scaleFromZero(
    props: FleetAutoscalingProps,
    policy: typeof SCALING_POLICY,
    m: BacklogMetrics,
  ): cloudwatch.Alarm {
    const alarm = new cloudwatch.Alarm(this, "FromZeroAlarm", {
      alarmDescription: `${props.fleet}: messages are waiting and no task runs; start tasks`,
      metric: new cloudwatch.MathExpression({
        expression: FROM_ZERO_EXPRESSION,
        usingMetrics: { visible: m.visible, running: m.running },
        period: m.period,
        label: "Visible while no task runs",
      }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    const fromZero = new appscaling.StepScalingAction(this, "FromZero", {
      scalingTarget: this.target,
      adjustmentType: appscaling.AdjustmentType.EXACT_CAPACITY,
      metricAggregationType: appscaling.MetricAggregationType.MAXIMUM,
      cooldown: Duration.seconds(policy.scaleOutCooldownSeconds),
    });
    const steps = fromZeroSteps(policy.backlogPerTaskTarget, props.maxTasks);
    steps.forEach((s, i) => {
      const next = steps[i + 1];
      // Bounds are relative to the alarm threshold (1 visible message).
      fromZero.addAdjustment({
        adjustment: s.tasks,
        lowerBound: s.minVisible - 1,
        upperBound: next ? next.minVisible - 1 : undefined,
      });
    });
    alarm.addAlarmAction(new cwactions.ApplicationScalingAction(fromZero));
    return alarm;
  }

  /** 3. Drain to one task. */
  private drainToOne(fleet: string, policy: typeof SCALING_POLICY, m: BacklogMetrics): cloudwatch.Alarm {
    const alarm = new cloudwatch.Alarm(this, "DrainAlarm", {
      alarmDescription: `${fleet}: nothing is waiting; keep one task and let busy tasks finish under scale-in protection`,
      metric: new cloudwatch.MathExpression({
        expression: DRAIN_EXPRESSION,
        usingMetrics: { visible: m.visible, running: m.running },
        period: m.period,
        label: "Nothing visible, several tasks",
      }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: policy.drainScaleInMinutes,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(new cwactions.ApplicationScalingAction(this.exact("DrainToOne", 1, m.period)));
    return alarm;
  }

  /** 4. Scale to zero. */
  private scaleToZero(fleet: string, policy: typeof SCALING_POLICY, m: BacklogMetrics): cloudwatch.Alarm {
    const alarm = new cloudwatch.Alarm(this, "IdleAlarm", {
      alarmDescription: `${fleet}: queue empty (visible + in flight = 0) for ${policy.idleMinutesBeforeZero} min; scale to zero`,
      metric: new cloudwatch.MathExpression({
        expression: IDLE_EXPRESSION,
        usingMetrics: { visible: m.visible, inflight: m.inflight },
        period: m.period,
        label: "Queue empty",
      }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: Math.max(1, Math.round((policy.idleMinutesBeforeZero * 60) / policy.metricPeriodSeconds)),
      // SQS stops publishing metrics of a queue that stays inactive; no data means an empty queue.
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    });
    alarm.addAlarmAction(new cwactions.ApplicationScalingAction(this.exact("ToZero", 0, m.period)));
    return alarm;
  }

  /** A step action that sets an exact task count whenever its alarm is in ALARM. */
  private exact(id: string, tasks: number, cooldown: Duration): appscaling.StepScalingAction {
    const action = new appscaling.StepScalingAction(this, id, {
      scalingTarget: this.target,
      adjustmentType: appscaling.AdjustmentType.EXACT_CAPACITY,
      metricAggregationType: appscaling.MetricAggregationType.MAXIMUM,
      cooldown,
    });
    // Bounds are relative to the alarm threshold; all these alarms breach at or above it.
    action.addAdjustment({ adjustment: tasks, lowerBound: 0 });
    return action;
  }
}
