// One fleet's ECS service: cluster with Container Insights, the worker task (memory hard limit, REPL count,
// non-root, read-only root), Fargate or an EC2 capacity provider, and a task role sized to the worker's needs.
import { ArnFormat, type CfnElement, Duration, Size, Stack, Validations } from "aws-cdk-lib";
import * as ec2 from "aws-cdk-lib/aws-ec2";
import { DockerImageAsset, Platform } from "aws-cdk-lib/aws-ecr-assets";
import * as ecs from "aws-cdk-lib/aws-ecs";
import * as iam from "aws-cdk-lib/aws-iam";
import * as logs from "aws-cdk-lib/aws-logs";
import type * as s3 from "aws-cdk-lib/aws-s3";
import type * as sqs from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { WORKER_DEFAULTS } from "../../services/worker/index.js";
import type { FleetPlan } from "../config.js";
import { addEc2Capacity } from "./ec2-capacity.js";
import { IMAGE_PATHS, workerBuildArgs, workerEnvironment } from "./worker-environment.js";

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

/** The container health check: the worker's /health endpoint answers 2xx. */
function workerHealthCheck(healthPort: number): ecs.HealthCheck {
  return {
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
    this.cluster = new ecs.Cluster(this, "Cluster", {
      vpc: props.vpc,
      containerInsightsV2: ecs.ContainerInsights.ENABLED,
    });

    this.taskRole = new iam.Role(this, "TaskRole", {
      assumedBy: new iam.ServicePrincipal("ecs-tasks.amazonaws.com"),
      description: `LeanFleet worker of fleet ${plan.name}: consume its queue, read inputs, write results, protect its own tasks`,
    });
    this.grantWorker(props.queue, props.bucket);
    this.taskDefinition = this.createTaskDefinition(plan);
    this.logGroup = new logs.LogGroup(this, "Logs", { retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH });
    this.container = this.addWorkerContainer(props);
    this.service = this.createService(props);
    this.acknowledgeFindings(props.bucket);
  }

  /** The task definition: Fargate (task size from the plan) or EC2 (awsvpc), with the writable scratch volume. */
  private createTaskDefinition(plan: FleetPlan): ecs.TaskDefinition {
    const volumes: ecs.Volume[] = [{ name: "scratch" }];
    if (plan.launchType === "FARGATE") {
      return new ecs.FargateTaskDefinition(this, "Task", {
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
    }
    return new ecs.Ec2TaskDefinition(this, "Task", {
      networkMode: ecs.NetworkMode.AWS_VPC,
      taskRole: this.taskRole,
      volumes,
    });
  }

  /** The worker container, built from services/worker/Dockerfile, with its scratch volume mounted. */
  private addWorkerContainer(props: FleetServiceProps): ecs.ContainerDefinition {
    const { plan } = props;
    const healthPort = props.healthPort ?? FLEET_SERVICE_DEFAULTS.healthPort;
    // The asset itself (same scope and id as ContainerImage.fromAsset would use): its content hash names the image.
    const asset = new DockerImageAsset(this.taskDefinition, "AssetImage", {
      directory: props.repoRoot,
      file: "services/worker/Dockerfile",
      buildArgs: workerBuildArgs(plan),
      platform: Platform.LINUX_AMD64,
    });
    const container = this.taskDefinition.addContainer("worker", {
      image: ecs.ContainerImage.fromDockerImageAsset(asset),
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
      healthCheck: workerHealthCheck(healthPort),
    });
    container.addMountPoints({ sourceVolume: "scratch", containerPath: IMAGE_PATHS.scratch, readOnly: false });
    return container;
  }

  /** The service in the isolated subnets: on Fargate, or on the fleet's EC2 capacity provider. */
  private createService(props: FleetServiceProps): ecs.FargateService | ecs.Ec2Service {
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
    if (props.plan.launchType === "FARGATE") {
      return new ecs.FargateService(this, "Service", {
        ...common,
        taskDefinition: this.taskDefinition as ecs.FargateTaskDefinition,
        assignPublicIp: false,
        platformVersion: ecs.FargatePlatformVersion.LATEST,
      });
    }
    const provider = addEc2Capacity(this, this.cluster, props);
    return new ecs.Ec2Service(this, "Service", {
      ...common,
      taskDefinition: this.taskDefinition as ecs.Ec2TaskDefinition,
      capacityProviderStrategies: [{ capacityProvider: provider.capacityProviderName, weight: 1 }],
    });
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
