// EcsClusterStatus (lambda.ts): task counts per fleet from one DescribeServices call, cached briefly.
import { DescribeServicesCommand, ECSClient } from "@aws-sdk/client-ecs";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, describe, expect, it } from "vitest";

const ecs = mockClient(ECSClient);
afterEach(() => ecs.reset());

// lambda.ts builds its handler at import from the environment; give it a valid one so the import is quiet.
process.env.LEANFLEET_QUEUE_URLS = JSON.stringify({
  default: "https://sqs.eu-west-1.amazonaws.com/123456789012/leanfleet-default",
});
process.env.LEANFLEET_BUCKET = "leanfleet-results";
process.env.LEANFLEET_API_KEYS = JSON.stringify(["0".repeat(64)]);
process.env.LEANFLEET_LOG_LEVEL = "silent";
const { EcsClusterStatus } = await import("../../functions/api/lambda.js");

describe("EcsClusterStatus", () => {
  it("GIVEN two fleets WHEN asked per fleet THEN one DescribeServices call answers both, by name or ARN", async () => {
    ecs
      .on(DescribeServicesCommand, {
        cluster: "lf",
        services: ["svc-default", "arn:aws:ecs:eu-west-1:1:service/lf/svc-mathlib"],
      })
      .resolves({
        services: [
          {
            serviceName: "svc-default",
            serviceArn: "arn:aws:ecs:eu-west-1:1:service/lf/svc-default",
            desiredCount: 3,
            runningCount: 2,
            pendingCount: 1,
          },
          {
            serviceName: "svc-mathlib",
            serviceArn: "arn:aws:ecs:eu-west-1:1:service/lf/svc-mathlib",
            desiredCount: 0,
            runningCount: 0,
            pendingCount: 0,
          },
        ],
      });
    const status = new EcsClusterStatus(new ECSClient({ region: "eu-west-1" }), {
      default: { cluster: "lf", service: "svc-default" },
      mathlib: { cluster: "lf", service: "arn:aws:ecs:eu-west-1:1:service/lf/svc-mathlib" },
    });
    expect(await status.tasks("default")).toEqual({ desired: 3, running: 2, pending: 1 });
    expect(await status.tasks("mathlib")).toEqual({ desired: 0, running: 0, pending: 0 });
    expect(await status.tasks("unknown")).toBeUndefined();
    expect(ecs.commandCalls(DescribeServicesCommand)).toHaveLength(1);
  });

  it("GIVEN one cluster per fleet (as the CDK stacks deploy) WHEN asked THEN each cluster is described for its own service", async () => {
    ecs
      .on(DescribeServicesCommand, { cluster: "lf-a", services: ["svc-a"] })
      .resolves({ services: [{ serviceName: "svc-a", desiredCount: 2, runningCount: 2, pendingCount: 0 }] });
    ecs
      .on(DescribeServicesCommand, { cluster: "lf-b", services: ["svc-b"] })
      .resolves({ services: [{ serviceName: "svc-b", desiredCount: 1, runningCount: 0, pendingCount: 1 }] });
    const status = new EcsClusterStatus(new ECSClient({ region: "eu-west-1" }), {
      a: { cluster: "lf-a", service: "svc-a" },
      b: { cluster: "lf-b", service: "svc-b" },
    });
    expect(await status.tasks("a")).toEqual({ desired: 2, running: 2, pending: 0 });
    expect(await status.tasks("b")).toEqual({ desired: 1, running: 0, pending: 1 });
    expect(ecs.commandCalls(DescribeServicesCommand)).toHaveLength(2);
  });

  it("GIVEN ECS fails THEN the error surfaces and the next call tries again", async () => {
    ecs
      .on(DescribeServicesCommand)
      .rejectsOnce(new Error("AccessDenied"))
      .resolves({ services: [{ serviceName: "s", desiredCount: 1, runningCount: 1, pendingCount: 0 }] });
    const status = new EcsClusterStatus(new ECSClient({ region: "eu-west-1" }), {
      default: { cluster: "lf", service: "s" },
    });
    await expect(status.tasks("default")).rejects.toThrow("AccessDenied");
    expect(await status.tasks("default")).toEqual({ desired: 1, running: 1, pending: 0 });
  });
});
