// FleetScaler on Application Auto Scaling: RegisterScalableTarget on an existing ECS service target updates its
// minimum (and, when raised, lifts the desired count at once) without touching the maximum or the policies.
import {
  type ApplicationAutoScalingClient,
  RegisterScalableTargetCommand,
} from "@aws-sdk/client-application-auto-scaling";
import type { FleetScaler, FleetTarget } from "../ports.js";

/** The scalable-target resource id of an ECS service. */
export function ecsServiceResourceId(target: FleetTarget): string {
  return `service/${target.cluster}/${target.service}`;
}

/** Changes a fleet's minimum through Application Auto Scaling. */
export class AppAutoScalingFleetScaler implements FleetScaler {
  constructor(private readonly client: ApplicationAutoScalingClient) {}

  async setMinTasks(target: FleetTarget, minTasks: number): Promise<void> {
    await this.client.send(
      new RegisterScalableTargetCommand({
        ServiceNamespace: "ecs",
        ScalableDimension: "ecs:service:DesiredCount",
        ResourceId: ecsServiceResourceId(target),
        MinCapacity: minTasks,
      }),
    );
  }
}
