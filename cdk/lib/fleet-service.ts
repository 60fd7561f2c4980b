// One fleet's ECS service: cluster with Container Insights, the worker task (memory hard limit, REPL count,
// non-root, read-only root), Fargate or an EC2 capacity provider, and a task role sized to the worker's needs.
import { ArnFormat, Aws, type CfnElement, Duration, Size, Stack, Validations } from "aws-cdk-lib";
import * as autoscaling from "aws-cdk-lib/aws-autoscaling";
import * as ec2 from "aws-cdk-lib/aws-ec2";
import { DockerImageAsset, Platform } from "aws-cdk-lib/aws-ecr-assets";
import * as ecs from "aws-cdk-lib/aws-ecs";
import * as iam from "aws-cdk-lib/aws-iam";
import * as logs from "aws-cdk-lib/aws-logs";
import type * as s3 from "aws-cdk-lib/aws-s3";
import type * as sqs from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { ENVIRONMENT_ENV } from "../../services/environment/index.js";
import { WORKER_DEFAULTS, WORKER_ENV } from "../../services/worker/index.js";
import type { FleetPlan } from "../config.js";

/** Where the worker image puts things (the contract between services/worker/Dockerfile and the task definition). */
export const IMAGE_PATHS = {
  /** The REPL binary. */
  repl: "/opt/leanfleet/repl/.lake/build/bin/repl",
  /** The fleet's Lake project, when it has one. */
  project: "/opt/leanfleet/project",
  /** The writable scratch volume (the root filesystem is read-only). */
  scratch: "/tmp",
} as const;

/** Defaults of {@link FleetService}. */
export const FLEET_SERVICE_DEFAULTS = {
  /** Port of the worker's health endpoint. @default 8081 (WORKER_DEFAULTS.healthPort) */
  healthPort: WORKER_DEFAULTS.healthPort,
  /** Numeric user the worker runs as (matches the Dockerfile). @default "10001" */
  user: "10001",
  /** Grace period before failing health checks count (pre-warming `import Mathlib` takes minutes). @default 300 */
  healthStartPeriodSeconds: 300,
} as const;

/** Props of {@link FleetService}. */
export interface FleetServiceProps {
  /** The fleet, as planned from the deployment config. */
  readonly plan: FleetPlan;
  /** The VPC (workers go to its PRIVATE_ISOLATED subnets). */
  readonly vpc: ec2.IVpc;
  /** Security group of the worker tasks. */
  readonly securityGroup: ec2.ISecurityGroup;
  /** The fleet's job queue. */
  readonly queue: sqs.IQueue;
  /** The deployment's bucket. */
  readonly bucket: s3.IBucket;
  /** Directory used as the image build context (the repository root). */
  readonly repoRoot: string;
  /** Log retention of the worker log group. @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
  /** Port of the worker's health endpoint. @default 8081 */
  readonly healthPort?: number;
}

/**
 * The worker's environment (see "Worker environment variables" in the team brief; read by services/worker/main.ts).
 * It declares the toolchain and project commit the image was built with (the worker refuses to start on others) and
 * the image's content hash (`imageDigest`, recorded in every result's environment).
 */
export function workerEnvironment(
  plan: FleetPlan,
  queueUrl: string,
  bucketName: string,
  healthPort: number,
  imageDigest?: string,
): Record<string, string> {
  const E = WORKER_ENV;
  return {
    [E.fleet]: plan.name,
    [E.queueUrl]: queueUrl,
    [E.bucket]: bucketName,
    [E.replCount]: String(plan.replCount),
    [E.replMemoryMiB]: String(plan.replMemoryMiB),
    [E.repl]: IMAGE_PATHS.repl,
    ...(plan.project ? { [E.projectDir]: IMAGE_PATHS.project } : {}),
    ...(plan.prewarmHeaderText ? { [E.prewarmHeader]: plan.prewarmHeaderText } : {}),
    [E.healthPort]: String(healthPort),
    [E.visibilitySeconds]: String(plan.visibilitySeconds),
    [E.drainSeconds]: String(plan.drainSeconds),
    [E.expectToolchain]: plan.leanToolchain,
    ...(plan.project ? { [E.expectProjectRev]: plan.project.rev } : {}),
    ...(imageDigest ? { [ENVIRONMENT_ENV.imageDigest]: imageDigest } : {}),
    AWS_REGION: Aws.REGION,
  };
}

/** Build arguments of services/worker/Dockerfile for a fleet. */
export function workerBuildArgs(plan: FleetPlan): Record<string, string> {
  return {
    LEAN_TOOLCHAIN: plan.leanToolchain,
    REPL_GIT_URL: plan.replGitUrl,
    REPL_REV: plan.replRev,
    PROJECT_GIT_URL: plan.project?.gitUrl ?? "",
    PROJECT_REV: plan.project?.rev ?? "",
    MATHLIB_CACHE: plan.mathlibCache ? "1" : "0",
    ...(plan.comparatorRev !== undefined ? { COMPARATOR_REV: plan.comparatorRev } : {}),
  };
}

/**
 * ECS cluster + service of one fleet. The container's memory hard limit is the whole task memory, and the worker
 * is told how many REPLs to run and each REPL's limit, so REPL limits plus overhead fit under the hard limit.
 * Busy workers hold ECS task scale-in protection; the task role may set it on this cluster's tasks only.
 */
export class FleetService extends Construct {
  /** The cluster (one per fleet, Container Insights on: autoscaling reads its RunningTaskCount). */
  readonly cluster: ecs.Cluster;
  /** The service. */
  readonly service: ecs.FargateService | ecs.Ec2Service;
  /** The task definition. */
  readonly taskDefinition: ecs.TaskDefinition;
  /** The worker container. */
  readonly container: ecs.ContainerDefinition;
  /** The worker's task role. */
  readonly taskRole: iam.Role;
  /** The worker log group (EMF metrics are extracted from it). */
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: FleetServiceProps) {
    super(scope, id);
    const { plan } = props;
    const healthPort = props.healthPort ?? FLEET_SERVICE_DEFAULTS.healthPort;
    this.cluster = new ecs.Cluster(this, "Cluster", {
      vpc: props.vpc,
      containerInsightsV2: ecs.ContainerInsights.ENABLED,
    });

    this.taskRole = new iam.Role(this, "TaskRole", {
      assumedBy: new iam.ServicePrincipal("ecs-tasks.amazonaws.com"),
      description: `LeanFleet worker of fleet ${plan.name}: consume its queue, read inputs, write results, protect its own tasks`,
    });
    this.grantWorker(props.queue, props.bucket);

    const volumes: ecs.Volume[] = [{ name: "scratch" }];
    if (plan.launchType === "FARGATE") {
      this.taskDefinition = new ecs.FargateTaskDefinition(this, "Task", {
        cpu: plan.cpuUnits,
        memoryLimitMiB: plan.memoryMiB,
        ephemeralStorageGiB: plan.ephemeralStorageGiB,
        runtimePlatform: {
          cpuArchitecture: ecs.CpuArchitecture.X86_64,
          operatingSystemFamily: ecs.OperatingSystemFamily.LINUX,
        },
        taskRole: this.taskRole,
        volumes,
      });
    } else {
      this.taskDefinition = new ecs.Ec2TaskDefinition(this, "Task", {
        networkMode: ecs.NetworkMode.AWS_VPC,
        taskRole: this.taskRole,
        volumes,
      });
    }

    this.logGroup = new logs.LogGroup(this, "Logs", { retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH });
    // The asset itself (same scope and id as ContainerImage.fromAsset would use): its content hash names the image.
    const asset = new DockerImageAsset(this.taskDefinition, "AssetImage", {
      directory: props.repoRoot,
      file: "services/worker/Dockerfile",
      buildArgs: workerBuildArgs(plan),
      platform: Platform.LINUX_AMD64,
    });
    const image = ecs.ContainerImage.fromDockerImageAsset(asset);
    this.container = this.taskDefinition.addContainer("worker", {
      image,
      essential: true,
      // The hard limit: the kernel OOM-kills the container (exit 137) above it. The worker keeps its REPLs below it.
      memoryLimitMiB: plan.containerMemoryMiB,
      cpu: plan.cpuUnits,
      user: FLEET_SERVICE_DEFAULTS.user,
      readonlyRootFilesystem: true,
      stopTimeout: Duration.seconds(plan.stopTimeoutSeconds),
      environment: workerEnvironment(
        plan,
        props.queue.queueUrl,
        props.bucket.bucketName,
        healthPort,
        `cdk-asset:${asset.assetHash}`,
      ),
      logging: ecs.LogDrivers.awsLogs({
        logGroup: this.logGroup,
        streamPrefix: plan.name,
        mode: ecs.AwsLogDriverMode.NON_BLOCKING,
        maxBufferSize: Size.mebibytes(25),
      }),
      // tini as PID 1 reaps REPL grandchildren (`lake env repl`) and forwards SIGTERM to the worker.
      linuxParameters: new ecs.LinuxParameters(this, "Linux", { initProcessEnabled: true }),
      healthCheck: {
        command: [
          "CMD",
          "node",
          "-e",
          `fetch("http://127.0.0.1:${healthPort}/health").then(r=>process.exit(r.ok?0:1),()=>process.exit(1))`,
        ],
        interval: Duration.seconds(30),
        timeout: Duration.seconds(5),
        retries: 3,
        startPeriod: Duration.seconds(FLEET_SERVICE_DEFAULTS.healthStartPeriodSeconds),
      },
    });
    this.container.addMountPoints({ sourceVolume: "scratch", containerPath: IMAGE_PATHS.scratch, readOnly: false });

    const common = {
      cluster: this.cluster,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      securityGroups: [props.securityGroup],
      // Scale to zero is normal; deployments may stop idle tasks first. Busy tasks keep scale-in protection.
      minHealthyPercent: 0,
      maxHealthyPercent: 200,
      circuitBreaker: { enable: true, rollback: true },
      enableECSManagedTags: true,
      propagateTags: ecs.PropagatedTagSource.SERVICE,
    };
    if (plan.launchType === "FARGATE") {
      this.service = new ecs.FargateService(this, "Service", {
        ...common,
        taskDefinition: this.taskDefinition as ecs.FargateTaskDefinition,
        assignPublicIp: false,
        platformVersion: ecs.FargatePlatformVersion.LATEST,
      });
    } else {
      const provider = this.ec2Capacity(props);
      this.service = new ecs.Ec2Service(this, "Service", {
        ...common,
        taskDefinition: this.taskDefinition as ecs.Ec2TaskDefinition,
        capacityProviderStrategies: [{ capacityProvider: provider.capacityProviderName, weight: 1 }],
      });
    }
    this.acknowledgeFindings(props.bucket);
  }

  /** Exactly what the worker does: consume its queue; read inputs, results and batch markers; write results and markers. */
  private grantWorker(queue: sqs.IQueue, bucket: s3.IBucket): void {
    queue.grantConsumeMessages(this.taskRole);
    bucket.grantRead(this.taskRole, "inputs/*");
    bucket.grantRead(this.taskRole, "results/*"); // a redelivered job that already has a result is only acknowledged
    bucket.grantRead(this.taskRole, "batches/*/valid/*"); // early stop: skip once the group has a valid item
    bucket.grantPut(this.taskRole, "results/*");
    bucket.grantPut(this.taskRole, "running/*");
    bucket.grantPut(this.taskRole, "batches/*/valid/*");
    bucket.grantDelete(this.taskRole, "running/*");
    this.taskRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: "OwnTaskScaleInProtection",
        actions: ["ecs:UpdateTaskProtection", "ecs:GetTaskProtection"],
        resources: [this.ownTasksArn()],
      }),
    );
  }

  /** ARN pattern of this cluster's tasks. */
  ownTasksArn(): string {
    return Stack.of(this).formatArn({
      service: "ecs",
      resource: "task",
      resourceName: `${this.cluster.clusterName}/*`,
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });
  }

  /** An Auto Scaling group of one task per instance, scaled by ECS managed scaling, in the isolated subnets. */
  private ec2Capacity(props: FleetServiceProps): ecs.AsgCapacityProvider {
    const { plan } = props;
    const asg = new autoscaling.AutoScalingGroup(this, "Instances", {
      vpc: props.vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      instanceType: new ec2.InstanceType(plan.ec2InstanceType!),
      machineImage: ecs.EcsOptimizedImage.amazonLinux2023(),
      minCapacity: 0,
      maxCapacity: plan.maxTasks,
      requireImdsv2: true,
      securityGroup: props.securityGroup,
      blockDevices: [
        {
          deviceName: "/dev/xvda",
          volume: autoscaling.BlockDeviceVolume.ebs(plan.ephemeralStorageGiB + 30, {
            encrypted: true,
            volumeType: autoscaling.EbsDeviceVolumeType.GP3,
          }),
        },
      ],
    });
    const provider = new ecs.AsgCapacityProvider(this, "Capacity", {
      autoScalingGroup: asg,
      enableManagedScaling: true,
      enableManagedTerminationProtection: true,
      targetCapacityPercent: 100,
    });
    this.cluster.addAsgCapacityProvider(provider);
    Validations.of(asg).acknowledge(
      {
        id: "AwsSolutions-AS3",
        reason:
          "Scaling is driven by ECS managed scaling and watched through the fleet's alarms; no SNS notification per instance event is wanted.",
      },
      {
        id: "AwsSolutions-EC28",
        reason:
          "Detailed monitoring costs per instance and the fleet's scaling reads SQS and Container Insights metrics, not EC2 ones.",
      },
      {
        id: "AwsSolutions-EC29",
        reason:
          "Instances are disposable capacity of an Auto Scaling group; ECS managed termination protection keeps busy ones.",
      },
      {
        id: "AwsSolutions-IAM5[Action::ecs:Submit*]",
        reason:
          "Added by ECS for the container agent on the instances: it reports task and container state changes of this cluster.",
      },
      {
        id: "AwsSolutions-IAM5[Resource::*]",
        reason:
          "The ECS agent's DiscoverPollEndpoint and ecr:GetAuthorizationToken have no resource-level permissions; CDK scopes the other agent actions to this cluster.",
      },
    );
    return provider;
  }

  /** cdk-nag findings on the worker's roles that are intended, each with its reason. */
  private acknowledgeFindings(bucket: s3.IBucket): void {
    const stack = Stack.of(this);
    const cluster = stack.getLogicalId(this.cluster.node.defaultChild as CfnElement);
    const bucketId = stack.getLogicalId(bucket.node.defaultChild as CfnElement);
    Validations.of(this.taskDefinition).acknowledge({
      id: "AwsSolutions-ECS2",
      reason:
        "The worker's environment is non-secret configuration (queue URL, bucket name, REPL sizes, paths); the task gets credentials from its role, not from variables.",
    });
    Validations.of(this.taskRole).acknowledge(
      {
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ecs:<AWS::Region>:<AWS::AccountId>:task/<${cluster}>/*]`,
        reason:
          "Task ids are random; the pattern is limited to this fleet's own cluster, as task scale-in protection requires.",
      },
      {
        id: "AwsSolutions-IAM5[Action::s3:GetObject*]",
        reason: "Grant-generated read actions (GetObject and its variants) limited to the worker's prefixes.",
      },
      {
        id: "AwsSolutions-IAM5[Action::s3:GetBucket*]",
        reason: "Grant-generated: the SDK reads bucket location/encryption metadata of the deployment bucket only.",
      },
      {
        id: "AwsSolutions-IAM5[Action::s3:List*]",
        reason: "HeadObject on a missing key answers 404 only with ListBucket; scoped to the deployment bucket.",
      },
      {
        id: "AwsSolutions-IAM5[Action::s3:Abort*]",
        reason: "Grant-generated: abort an interrupted multipart upload of a large result.",
      },
      {
        id: "AwsSolutions-IAM5[Action::s3:DeleteObject*]",
        reason: "Grant-generated delete of the worker's own running/ markers only.",
      },
      ...["inputs/*", "results/*", "batches/*/valid/*", "running/*"].map((p) => ({
        id: `AwsSolutions-IAM5[Resource::<${bucketId}.Arn>/${p}]`,
        reason: `Objects are keyed by job id, so the worker needs every object under ${p} and nothing else.`,
      })),
    );
    const exec = this.taskDefinition.executionRole;
    if (exec) {
      Validations.of(exec).acknowledge({
        id: "AwsSolutions-IAM5[Resource::*]",
        reason:
          "ecr:GetAuthorizationToken has no resource-level permissions; image pulls are scoped to the asset repository.",
      });
    }
  }
}
