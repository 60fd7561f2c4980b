// Network lock-down: worker subnets with no route to the internet (Lean's `#eval` can run arbitrary IO), reaching
// AWS only through VPC endpoints whose policies admit principals of this account alone.
import { Aws } from "aws-cdk-lib";
import * as ec2 from "aws-cdk-lib/aws-ec2";
import * as iam from "aws-cdk-lib/aws-iam";
import * as logs from "aws-cdk-lib/aws-logs";
import { Construct } from "constructs";

/** Props of {@link WorkerNetwork}. */
export interface WorkerNetworkProps {
  /** IPv4 CIDR of the VPC. @default "10.40.0.0/16" */
  readonly cidr?: string;
  /** Availability zones (one isolated subnet and one endpoint ENI per service in each). @default 2 */
  readonly maxAzs?: number;
  /** Retention of the VPC flow log. @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * Interface endpoints: queues, image pulls, logs (which carry the EMF metrics), and ECS (task scale-in protection;
 * the agent endpoints serve EC2 capacity, and regions opened since 2023-12 route ECS privately only with all three).
 * The flag says whether the own-account endpoint policy is attached (left off where support is not documented).
 */
const INTERFACE_SERVICES: [string, ec2.InterfaceVpcEndpointAwsService, boolean][] = [
  ["Sqs", ec2.InterfaceVpcEndpointAwsService.SQS, true],
  ["EcrApi", ec2.InterfaceVpcEndpointAwsService.ECR, true],
  ["EcrDocker", ec2.InterfaceVpcEndpointAwsService.ECR_DOCKER, true],
  ["Logs", ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS, true],
  ["Ecs", ec2.InterfaceVpcEndpointAwsService.ECS, false],
  ["EcsAgent", ec2.InterfaceVpcEndpointAwsService.ECS_AGENT, false],
  ["EcsTelemetry", ec2.InterfaceVpcEndpointAwsService.ECS_TELEMETRY, false],
];

/**
 * The VPC of the workers: PRIVATE_ISOLATED subnets only (no internet gateway, no NAT), a gateway endpoint for S3
 * and interface endpoints for SQS, ECR, CloudWatch Logs and ECS. The S3, SQS, ECR and Logs endpoint policies admit
 * only principals of this account, so code running in a worker cannot use them with someone else's credentials to
 * move data out.
 */
export class WorkerNetwork extends Construct {
  /** The VPC. */
  readonly vpc: ec2.Vpc;
  /** Security group of the worker tasks: no ingress; egress HTTPS only (which reaches nothing but the endpoints). */
  readonly workerSecurityGroup: ec2.SecurityGroup;
  /** The S3 gateway endpoint (its policy also admits ECR's layer bucket). */
  readonly s3Endpoint: ec2.GatewayVpcEndpoint;
  /** The interface endpoints by construct id. */
  readonly interfaceEndpoints: Map<string, ec2.InterfaceVpcEndpoint> = new Map();

  constructor(scope: Construct, id: string, props: WorkerNetworkProps = {}) {
    super(scope, id);
    const cidr = props.cidr ?? "10.40.0.0/16";
    this.vpc = new ec2.Vpc(this, "Vpc", {
      ipAddresses: ec2.IpAddresses.cidr(cidr),
      maxAzs: props.maxAzs ?? 2,
      natGateways: 0,
      subnetConfiguration: [{ name: "workers", subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 20 }],
      // Nothing uses the default group; stripping its rules would add a custom-resource Lambda with EC2 rights.
      restrictDefaultSecurityGroup: false,
    });
    const flowLogGroup = new logs.LogGroup(this, "FlowLogs", {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
    });
    this.vpc.addFlowLog("FlowLog", {
      destination: ec2.FlowLogDestination.toCloudWatchLogs(flowLogGroup),
      trafficType: ec2.FlowLogTrafficType.ALL,
    });

    const isolated = { subnetType: ec2.SubnetType.PRIVATE_ISOLATED };
    this.s3Endpoint = this.vpc.addGatewayEndpoint("S3", {
      service: ec2.GatewayVpcEndpointAwsService.S3,
      subnets: [isolated],
    });
    this.s3Endpoint.addToPolicy(
      new iam.PolicyStatement({
        sid: "EcrImageLayers",
        principals: [new iam.AnyPrincipal()],
        actions: ["s3:GetObject"],
        resources: [`arn:${Aws.PARTITION}:s3:::prod-${Aws.REGION}-starport-layer-bucket/*`],
      }),
    );

    const endpointSg = new ec2.SecurityGroup(this, "EndpointSg", {
      vpc: this.vpc,
      description: "VPC interface endpoints: HTTPS from inside the VPC",
      allowAllOutbound: false,
    });
    endpointSg.addIngressRule(ec2.Peer.ipv4(cidr), ec2.Port.tcp(443), "HTTPS from the VPC");
    for (const [name, service, policy] of INTERFACE_SERVICES) {
      const ep = this.vpc.addInterfaceEndpoint(name, {
        service,
        subnets: isolated,
        privateDnsEnabled: true,
        securityGroups: [endpointSg],
        open: false,
      });
      if (policy) ep.addToPolicy(this.ownAccountOnly());
      this.interfaceEndpoints.set(name, ep);
    }

    this.workerSecurityGroup = new ec2.SecurityGroup(this, "WorkerSg", {
      vpc: this.vpc,
      description:
        "LeanFleet workers: no ingress; HTTPS egress, which only reaches the VPC endpoints (no internet route)",
      allowAllOutbound: false,
    });
    // The S3 gateway endpoint is reached through S3's public prefix list, whose id an environment-agnostic stack
    // cannot know; the route tables (no IGW, no NAT) are what keep HTTPS from leaving AWS.
    this.workerSecurityGroup.addEgressRule(
      ec2.Peer.anyIpv4(),
      ec2.Port.tcp(443),
      "HTTPS to VPC endpoints and the S3 gateway",
    );
  }

  /** Admit the data bucket through the S3 gateway endpoint (for principals of this account). */
  allowBucket(bucketArn: string): void {
    this.s3Endpoint.addToPolicy(
      new iam.PolicyStatement({
        sid: "DeploymentBucket",
        principals: [new iam.AnyPrincipal()],
        actions: ["s3:*"],
        resources: [bucketArn, `${bucketArn}/*`],
        conditions: { StringEquals: { "aws:PrincipalAccount": Aws.ACCOUNT_ID } },
      }),
    );
  }

  private ownAccountOnly(): iam.PolicyStatement {
    return new iam.PolicyStatement({
      sid: "OwnAccountOnly",
      principals: [new iam.AnyPrincipal()],
      actions: ["*"],
      resources: ["*"],
      conditions: { StringEquals: { "aws:PrincipalAccount": Aws.ACCOUNT_ID } },
    });
  }
}
