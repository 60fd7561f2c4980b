// CDK assertions on the fleets: memory hard limit and REPL count, launch types, queues and dead-letter alarms,
// the backlog scaling policy, the nightly schedule, alarms and the API stage. One synth for the whole file.
import { Match } from "aws-cdk-lib/assertions";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CONFIG_DEFAULTS, planFleet } from "../../cdk/config.js";
import {
  BACKLOG_PER_TASK_EXPRESSION,
  DRAIN_EXPRESSION,
  FROM_ZERO_EXPRESSION,
  IDLE_EXPRESSION,
} from "../../cdk/lib/fleet-autoscaling.js";
import { WORKER_METRICS } from "../../cdk/lib/monitoring.js";
import { fromZeroSteps } from "../../cdk/scaling-steps.js";
import { SCALING_POLICY } from "../../services/scaling/index.js";
import { nightlyEventSchema } from "../../functions/nightly/events.js";
import { METRICS } from "../../services/worker/metrics.js";
import { type Synth, TEST_CONFIG, render, synth } from "./synth.js";

let s: Synth;
beforeAll(() => {
  s = synth(TEST_CONFIG);
}, 120_000);
afterAll(() => s?.dispose());

const fleet = (name: string) => s.stack.fleets.find((f) => f.plan.name === name)!;

function containerOf(name: string): Record<string, unknown> {
  const td = s.template.toJSON().Resources[s.id(fleet(name).service.taskDefinition)];
  return td.Properties.ContainerDefinitions[0];
}

function envOf(name: string): Record<string, string> {
  const env = containerOf(name).Environment as { Name: string; Value: unknown }[];
  return Object.fromEntries(env.map((e) => [e.Name, render(e.Value)]));
}

describe("fleet services", () => {
  it("GIVEN three fleets WHEN synthesized THEN each container's memory hard limit is its task memory and the REPL count follows from vCPUs and memory per REPL", () => {
    // GIVEN the test config: mathlib 16 vCPU / 64 GiB / 7 GiB per REPL, core 2 / 4 GiB / 1.5 GiB, huge 32 / 192 GiB / 16 GiB
    const expected = { mathlib: 9, core: 2, huge: 11 };
    for (const [name, repls] of Object.entries(expected)) {
      const plan = planFleet(TEST_CONFIG.fleets.find((f) => f.name === name)!);
      // THEN the hard limit is set, the worker is told the count and the per-REPL limit, and they fit under the limit
      expect(containerOf(name).Memory).toBe(plan.memoryMiB);
      expect(envOf(name).LEANFLEET_REPL_COUNT).toBe(String(repls));
      expect(envOf(name).LEANFLEET_REPL_MEMORY_MIB).toBe(String(plan.replMemoryMiB));
      expect(repls * plan.replMemoryMiB + CONFIG_DEFAULTS.workerOverheadMiB).toBeLessThanOrEqual(plan.memoryMiB);
    }
  });

  it("GIVEN Fargate-sized fleets WHEN synthesized THEN their task definitions are Fargate with the configured size", () => {
    s.template.hasResourceProperties("AWS::ECS::TaskDefinition", {
      RequiresCompatibilities: ["FARGATE"],
      Cpu: "16384",
      Memory: "65536",
      EphemeralStorage: { SizeInGiB: 50 },
      NetworkMode: "awsvpc",
    });
    s.template.hasResourceProperties("AWS::ECS::TaskDefinition", {
      RequiresCompatibilities: ["FARGATE"],
      Cpu: "2048",
      Memory: "4096",
    });
  });

  it("GIVEN a fleet above Fargate's 120 GiB WHEN synthesized THEN it runs on an EC2 capacity provider with managed scaling and termination protection", () => {
    const huge = fleet("huge");
    expect(planFleet(TEST_CONFIG.fleets[2]!).launchType).toBe("EC2");
    s.template.hasResourceProperties("AWS::ECS::TaskDefinition", {
      RequiresCompatibilities: ["EC2"],
      NetworkMode: "awsvpc",
    });
    s.template.hasResourceProperties("AWS::ECS::CapacityProvider", {
      AutoScalingGroupProvider: Match.objectLike({
        ManagedScaling: Match.objectLike({ Status: "ENABLED", TargetCapacity: 100 }),
        ManagedTerminationProtection: "ENABLED",
      }),
    });
    s.template.hasResourceProperties("AWS::EC2::LaunchTemplate", {
      LaunchTemplateData: Match.objectLike({
        InstanceType: "r7i.8xlarge",
        MetadataOptions: Match.objectLike({ HttpTokens: "required" }),
      }),
    });
    const svc = s.template.toJSON().Resources[s.id(huge.service.service)];
    expect(svc.Properties.CapacityProviderStrategy).toHaveLength(1);
    expect(svc.Properties.LaunchType).toBeUndefined();
  });

  it("GIVEN any fleet WHEN synthesized THEN the worker is non-root, read-only with a writable scratch volume, reaps children, and drains within its stop timeout", () => {
    for (const name of ["mathlib", "core", "huge"]) {
      const c = containerOf(name);
      expect(c.User).toBe("10001");
      expect(c.ReadonlyRootFilesystem).toBe(true);
      expect(c.MountPoints).toEqual([{ ContainerPath: "/tmp", ReadOnly: false, SourceVolume: "scratch" }]);
      expect((c.LinuxParameters as { InitProcessEnabled: boolean }).InitProcessEnabled).toBe(true);
      expect(c.StopTimeout).toBe(120);
      expect(Number(envOf(name).LEANFLEET_DRAIN_SECONDS)).toBeLessThan(c.StopTimeout as number);
      expect((c.HealthCheck as { Command: string[] }).Command.join(" ")).toContain("/health");
    }
  });

  it("GIVEN a fleet WHEN synthesized THEN the worker gets exactly the brief's environment variables (and never the local-only ones)", () => {
    const env = envOf("mathlib");
    expect(Object.keys(env).sort()).toEqual(
      [
        "AWS_REGION",
        "LEANFLEET_BUCKET",
        "LEANFLEET_DRAIN_SECONDS",
        "LEANFLEET_EXPECT_PROJECT_REV",
        "LEANFLEET_EXPECT_TOOLCHAIN",
        "LEANFLEET_FLEET",
        "LEANFLEET_IMAGE_DIGEST",
        "LEANFLEET_HEALTH_PORT",
        "LEANFLEET_PREWARM_HEADER",
        "LEANFLEET_PROJECT_DIR",
        "LEANFLEET_QUEUE_URL",
        "LEANFLEET_REPL",
        "LEANFLEET_REPL_COUNT",
        "LEANFLEET_REPL_MEMORY_MIB",
        "LEANFLEET_VISIBILITY_SECONDS",
      ].sort(),
    );
    expect(env.LEANFLEET_FLEET).toBe("mathlib");
    expect(env.LEANFLEET_PREWARM_HEADER).toBe("import Mathlib");
    expect(env.LEANFLEET_QUEUE_URL).toBe(`<${s.id(fleet("mathlib").queue.queue)}>`);
    // The worker checks at start that it runs what the fleet pins, and records the image's content hash.
    expect(env.LEANFLEET_EXPECT_TOOLCHAIN).toBe("leanprover/lean4:v4.19.0");
    expect(env.LEANFLEET_EXPECT_PROJECT_REV).toBe("c44e0c8ee63ca166450922a373c7409c5d26b00b");
    expect(env.LEANFLEET_IMAGE_DIGEST).toMatch(/^cdk-asset:[0-9a-f]{64}$/);
    // A fleet without a project gets no project dir, no pre-warm header and no project revision to check.
    expect(envOf("core").LEANFLEET_EXPECT_PROJECT_REV).toBeUndefined();
    expect(envOf("core").LEANFLEET_PROJECT_DIR).toBeUndefined();
    expect(envOf("core").LEANFLEET_PREWARM_HEADER).toBeUndefined();
  });

  it("GIVEN clusters WHEN synthesized THEN Container Insights is on (autoscaling reads RunningTaskCount from it)", () => {
    s.template.resourcePropertiesCountIs(
      "AWS::ECS::Cluster",
      { ClusterSettings: [{ Name: "containerInsights", Value: "enabled" }] },
      3,
    );
  });
});

describe("queues", () => {
  it("GIVEN a fleet WHEN synthesized THEN its queue redrives to a dead-letter queue after maxReceiveCount and its visibility matches the worker's", () => {
    const q = fleet("mathlib").queue;
    s.template.hasResourceProperties("AWS::SQS::Queue", {
      VisibilityTimeout: 120,
      ReceiveMessageWaitTimeSeconds: 20,
      SqsManagedSseEnabled: true,
      RedrivePolicy: { deadLetterTargetArn: { "Fn::GetAtt": [s.id(q.deadLetterQueue), "Arn"] }, maxReceiveCount: 5 },
    });
    expect(envOf("mathlib").LEANFLEET_VISIBILITY_SECONDS).toBe("120");
  });

  it("GIVEN a dead-letter queue WHEN synthesized THEN an alarm fires on its first message and notifies the alarm topic", () => {
    s.template.hasResourceProperties("AWS::CloudWatch::Alarm", {
      Namespace: "AWS/SQS",
      MetricName: "ApproximateNumberOfMessagesVisible",
      Dimensions: [
        { Name: "QueueName", Value: { "Fn::GetAtt": [s.id(fleet("mathlib").queue.deadLetterQueue), "QueueName"] } },
      ],
      Threshold: 1,
      ComparisonOperator: "GreaterThanOrEqualToThreshold",
      EvaluationPeriods: 1,
      AlarmActions: [{ Ref: s.id(s.stack.monitoring.topic) }],
    });
  });
});

describe("autoscaling", () => {
  it("GIVEN a fleet WHEN synthesized THEN its scalable target has min 0 and the fleet's max", () => {
    s.template.hasResourceProperties("AWS::ApplicationAutoScaling::ScalableTarget", {
      MinCapacity: 0,
      MaxCapacity: 20,
      ScalableDimension: "ecs:service:DesiredCount",
      ServiceNamespace: "ecs",
    });
  });

  it("GIVEN the shared policy WHEN synthesized THEN target tracking follows visible messages / running tasks at SCALING_POLICY's target and cooldowns", () => {
    const m = fleet("mathlib");
    s.template.hasResourceProperties("AWS::ApplicationAutoScaling::ScalingPolicy", {
      PolicyType: "TargetTrackingScaling",
      ScalingTargetId: { Ref: s.id(m.scaling.target) },
      TargetTrackingScalingPolicyConfiguration: {
        TargetValue: SCALING_POLICY.backlogPerTaskTarget,
        ScaleInCooldown: SCALING_POLICY.scaleInCooldownSeconds,
        ScaleOutCooldown: SCALING_POLICY.scaleOutCooldownSeconds,
        CustomizedMetricSpecification: {
          Metrics: [
            {
              Id: "visible",
              ReturnData: false,
              MetricStat: {
                Stat: "Maximum",
                Metric: {
                  Namespace: "AWS/SQS",
                  MetricName: "ApproximateNumberOfMessagesVisible",
                  Dimensions: [{ Name: "QueueName", Value: { "Fn::GetAtt": [s.id(m.queue.queue), "QueueName"] } }],
                },
              },
            },
            {
              Id: "running",
              ReturnData: false,
              MetricStat: {
                Stat: "Average",
                Metric: {
                  Namespace: "ECS/ContainerInsights",
                  MetricName: "RunningTaskCount",
                  Dimensions: [
                    { Name: "ClusterName", Value: { Ref: s.id(m.service.cluster) } },
                    { Name: "ServiceName", Value: { "Fn::GetAtt": [s.id(m.service.service), "Name"] } },
                  ],
                },
              },
            },
            {
              Id: "backlogPerTask",
              Expression: BACKLOG_PER_TASK_EXPRESSION,
              ReturnData: true,
              Label: Match.anyValue(),
            },
          ],
        },
      },
    });
  });

  it("GIVEN zero running tasks WHEN a message is visible THEN an alarm (1 period) sets an exact task count through doubling steps", () => {
    const m = fleet("mathlib");
    s.template.hasResourceProperties("AWS::CloudWatch::Alarm", {
      Metrics: Match.arrayWith([Match.objectLike({ Expression: FROM_ZERO_EXPRESSION, ReturnData: true })]),
      Threshold: 1,
      ComparisonOperator: "GreaterThanOrEqualToThreshold",
      EvaluationPeriods: 1,
      AlarmActions: [{ Ref: s.id(m.scaling.node.findChild("FromZero")) }],
    });
    const steps = fromZeroSteps(SCALING_POLICY.backlogPerTaskTarget, 20);
    s.template.hasResourceProperties("AWS::ApplicationAutoScaling::ScalingPolicy", {
      PolicyType: "StepScaling",
      ScalingTargetId: { Ref: s.id(m.scaling.target) },
      StepScalingPolicyConfiguration: {
        AdjustmentType: "ExactCapacity",
        Cooldown: SCALING_POLICY.scaleOutCooldownSeconds,
        MetricAggregationType: "Maximum",
        StepAdjustments: steps.map((st, i) => ({
          MetricIntervalLowerBound: st.minVisible - 1,
          ...(steps[i + 1] ? { MetricIntervalUpperBound: steps[i + 1]!.minVisible - 1 } : {}),
          ScalingAdjustment: st.tasks,
        })),
      },
    });
    expect(steps[0]).toEqual({ minVisible: 1, tasks: 1 });
    expect(steps.at(-1)).toEqual({ minVisible: SCALING_POLICY.backlogPerTaskTarget * 20, tasks: 20 });
  });

  it("GIVEN an emptying queue WHEN synthesized THEN a drain alarm sets one task and an idle alarm sets zero after the policy's minutes", () => {
    const m = fleet("mathlib");
    s.template.hasResourceProperties("AWS::CloudWatch::Alarm", {
      Metrics: Match.arrayWith([Match.objectLike({ Expression: DRAIN_EXPRESSION })]),
      EvaluationPeriods: SCALING_POLICY.drainScaleInMinutes,
      AlarmActions: [{ Ref: s.id(m.scaling.node.findChild("DrainToOne")) }],
    });
    s.template.hasResourceProperties("AWS::CloudWatch::Alarm", {
      Metrics: Match.arrayWith([Match.objectLike({ Expression: IDLE_EXPRESSION })]),
      EvaluationPeriods: SCALING_POLICY.idleMinutesBeforeZero,
      TreatMissingData: "breaching",
      AlarmActions: [{ Ref: s.id(m.scaling.node.findChild("ToZero")) }],
    });
    s.template.hasResourceProperties("AWS::ApplicationAutoScaling::ScalingPolicy", {
      PolicyName: Match.stringLikeRegexp("ToZero"),
      StepScalingPolicyConfiguration: Match.objectLike({
        AdjustmentType: "ExactCapacity",
        StepAdjustments: [{ MetricIntervalLowerBound: 0, ScalingAdjustment: 0 }],
      }),
    });
  });
});

describe("nightly runs", () => {
  it("GIVEN a nightly run WHEN synthesized THEN its schedule invokes the nightly function with the run, and a check runs every few minutes", () => {
    const fn = s.stack.nightly!.function.fn;
    s.template.hasResourceProperties("AWS::Events::Rule", {
      ScheduleExpression: "cron(30 2 * * ? *)",
      Targets: [
        Match.objectLike({
          Arn: { "Fn::GetAtt": [s.id(fn), "Arn"] },
          Input: JSON.stringify({
            action: "start",
            run: { name: "minif2f", fleet: "mathlib", manifestKey: "datasets/minif2f/manifest.json", startTasks: 12 },
          }),
        }),
      ],
    });
    s.template.hasResourceProperties("AWS::Events::Rule", {
      ScheduleExpression: `rate(${CONFIG_DEFAULTS.nightlyCheckEveryMinutes} minutes)`,
      Targets: [Match.objectLike({ Input: JSON.stringify({ action: "check" }) })],
    });
    s.template.hasResourceProperties("AWS::Lambda::Function", {
      Runtime: "nodejs22.x",
      Timeout: 900,
      Handler: "index.handler",
    });
    // What the schedules send is what the function accepts.
    for (const rule of Object.values(s.template.findResources("AWS::Events::Rule"))) {
      const input = (rule.Properties.Targets as { Input?: string }[])[0]?.Input;
      if (input && rule.Properties.ScheduleExpression)
        expect(nightlyEventSchema.safeParse(JSON.parse(input)).success).toBe(true);
    }
  });

  it("GIVEN a nightly run WHEN synthesized THEN the function may set min capacity of ECS service targets only", () => {
    const role = s.id(s.stack.nightly!.function.fn.role!);
    const doc = Object.values(s.template.findResources("AWS::IAM::Policy")).find((p) =>
      JSON.stringify(p.Properties.Roles).includes(role),
    )!;
    const stmt = (
      doc.Properties.PolicyDocument.Statement as { Sid?: string; Condition?: unknown; Action: string[] }[]
    ).find((x) => x.Sid === "FleetMinCapacity")!;
    expect(stmt.Action).toContain("application-autoscaling:RegisterScalableTarget");
    expect(stmt.Condition).toEqual({
      StringEquals: {
        "application-autoscaling:service-namespace": "ecs",
        "application-autoscaling:scalable-dimension": "ecs:service:DesiredCount",
      },
    });
  });
});

describe("alarms, dashboard and API", () => {
  it("GIVEN worker tasks WHEN one stops with exit code 137 THEN an EventBridge rule logs it and a per-fleet alarm counts it", () => {
    s.template.hasResourceProperties("AWS::Events::Rule", {
      EventPattern: {
        source: ["aws.ecs"],
        "detail-type": ["ECS Task State Change"],
        detail: Match.objectLike({ lastStatus: ["STOPPED"], containers: { exitCode: [137] } }),
      },
    });
    s.template.hasResourceProperties("AWS::Logs::MetricFilter", {
      MetricTransformations: [
        Match.objectLike({
          MetricNamespace: "LeanFleet",
          MetricName: "TaskStopsExit137",
          Dimensions: [{ Key: "ClusterArn", Value: "$.detail.clusterArn" }],
        }),
      ],
    });
    s.template.hasResourceProperties("AWS::CloudWatch::Alarm", {
      MetricName: "TaskStopsExit137",
      Dimensions: [{ Name: "ClusterArn", Value: { "Fn::GetAtt": [s.id(fleet("core").service.cluster), "Arn"] } }],
      Threshold: 1,
    });
  });

  it("GIVEN the worker's EMF metrics WHEN synthesized THEN a REPL-restart alarm reads namespace LeanFleet, metric ReplRestarts, dimension Fleet", () => {
    expect(WORKER_METRICS).toMatchObject({
      namespace: METRICS.namespace,
      dimension: METRICS.dimension,
      replRestarts: METRICS.replRestarts,
      jobs: METRICS.jobs,
      runMs: METRICS.runMs,
    });
    s.template.hasResourceProperties("AWS::CloudWatch::Alarm", {
      Namespace: "LeanFleet",
      MetricName: "ReplRestarts",
      Dimensions: [{ Name: "Fleet", Value: "huge" }],
      Statistic: "Sum",
      Period: 60,
    });
    s.template.hasResourceProperties("AWS::CloudWatch::Alarm", {
      Namespace: "AWS/SQS",
      MetricName: "ApproximateAgeOfOldestMessage",
      Threshold: 3600,
    });
    s.template.resourceCountIs("AWS::CloudWatch::Dashboard", 1);
    s.template.hasResourceProperties("AWS::SNS::Subscription", { Protocol: "email", Endpoint: "ops@example.com" });
  });

  it("GIVEN the API WHEN synthesized THEN its HTTP API stage throttles and writes access logs, and its keys come from SSM", () => {
    s.template.hasResourceProperties("AWS::ApiGatewayV2::Stage", {
      StageName: "$default",
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
      AccessLogSettings: Match.objectLike({ DestinationArn: Match.anyValue() }),
    });
    const fn = s.template.toJSON().Resources[s.id(s.stack.api.function.fn)];
    expect(fn.Properties.Runtime).toBe("nodejs22.x");
    const env = fn.Properties.Environment.Variables as Record<string, unknown>;
    const param = (env.LEANFLEET_API_KEYS as { Ref: string }).Ref;
    expect(s.template.toJSON().Parameters[param]).toMatchObject({
      Type: "AWS::SSM::Parameter::Value<String>",
      Default: "/leanfleet/api-keys",
    });
    expect(render(env.LEANFLEET_QUEUE_URLS)).toContain("mathlib");
  });
});
