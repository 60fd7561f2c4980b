// The EC2 capacity of a fleet above Fargate's largest task: an Auto Scaling group of one task per instance in the
// isolated subnets, scaled by ECS managed scaling, with its intended cdk-nag findings acknowledged.
import { Validations } from "aws-cdk-lib";
import * as autoscaling from "aws-cdk-lib/aws-autoscaling";
import * as ec2 from "aws-cdk-lib/aws-ec2";
import * as ecs from "aws-cdk-lib/aws-ecs";
import type { Construct } from "constructs";
import type { FleetPlan } from "../config.js";

/** What {@link addEc2Capacity} needs. */
export interface Ec2CapacityProps {
  /** The fleet (its `ec2InstanceType`, `maxTasks` and `ephemeralStorageGiB`). */
  readonly plan: FleetPlan;
  /** The VPC (instances go to its PRIVATE_ISOLATED subnets). */
  readonly vpc: ec2.IVpc;
  /** Security group of the instances (the worker tasks'). */
  readonly securityGroup: ec2.ISecurityGroup;
}

/**
 * An Auto Scaling group of one task per instance, scaled by ECS managed scaling, in the isolated subnets, added to
 * `cluster` as a capacity provider. Its constructs are `Instances` and `Capacity` in `scope`.
 */
export function addEc2Capacity(
  scope: Construct,
  cluster: ecs.Cluster,
  props: Ec2CapacityProps,
): ecs.AsgCapacityProvider {
  const { plan } = props;
  const asg = new autoscaling.AutoScalingGroup(scope, "Instances", {
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
  const provider = new ecs.AsgCapacityProvider(scope, "Capacity", {
    autoScalingGroup: asg,
    enableManagedScaling: true,
    enableManagedTerminationProtection: true,
    targetCapacityPercent: 100,
  });
  cluster.addAsgCapacityProvider(provider);
  acknowledgeInstanceFindings(asg);
  return provider;
}

/** cdk-nag findings on the instances that are intended, each with its reason. */
function acknowledgeInstanceFindings(asg: autoscaling.AutoScalingGroup): void {
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
}
