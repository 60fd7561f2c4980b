// The nightly function's AWS edge with aws-sdk-client-mock: the Application Auto Scaling adapter, and the Lambda
// handler built from its environment (S3, SQS and Application Auto Scaling clients mocked).
import { ApplicationAutoScalingClient, RegisterScalableTargetCommand } from "@aws-sdk/client-application-auto-scaling";
import {
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { SendMessageBatchCommand, SQSClient } from "@aws-sdk/client-sqs";
import { mockClient } from "aws-sdk-client-mock";
import "aws-sdk-client-mock-vitest/extend";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AppAutoScalingFleetScaler, ecsServiceResourceId } from "../../functions/nightly/adapters/app-autoscaling.js";
import { NIGHTLY_ENV, parseNightlyConfig } from "../../functions/nightly/config.js";

const scaling = mockClient(ApplicationAutoScalingClient);
const s3 = mockClient(S3Client);
const sqs = mockClient(SQSClient);

beforeEach(() => {
  scaling.reset();
  s3.reset();
  sqs.reset();
});
afterEach(() => {
  delete process.env[NIGHTLY_ENV.bucket];
  delete process.env[NIGHTLY_ENV.fleets];
});

/** A GetObject body as the SDK returns it (the adapter only calls transformToString). */
const body = (text: string) => ({ transformToString: async () => text }) as never;

describe("AppAutoScalingFleetScaler", () => {
  it("GIVEN a fleet's ECS service WHEN its minimum is set THEN RegisterScalableTarget updates only MinCapacity of that service's target", async () => {
    scaling.on(RegisterScalableTargetCommand).resolves({});
    const target = { cluster: "LeanFleet-mathlib-Cluster", service: "LeanFleet-mathlib-Service", minTasks: 0 };
    await new AppAutoScalingFleetScaler(new ApplicationAutoScalingClient({ region: "eu-west-1" })).setMinTasks(
      target,
      12,
    );
    expect(scaling).toHaveReceivedCommandTimes(RegisterScalableTargetCommand, 1);
    expect(scaling).toHaveReceivedCommandWith(RegisterScalableTargetCommand, {
      ServiceNamespace: "ecs",
      ScalableDimension: "ecs:service:DesiredCount",
      ResourceId: "service/LeanFleet-mathlib-Cluster/LeanFleet-mathlib-Service",
      MinCapacity: 12,
    });
    expect(scaling.commandCalls(RegisterScalableTargetCommand)[0]!.args[0].input.MaxCapacity).toBeUndefined();
    expect(ecsServiceResourceId(target)).toBe("service/LeanFleet-mathlib-Cluster/LeanFleet-mathlib-Service");
  });

  it("GIVEN Application Auto Scaling refuses WHEN the minimum is set THEN the error reaches the caller (the schedule's retry handles it)", async () => {
    scaling.on(RegisterScalableTargetCommand).rejects(new Error("AccessDeniedException"));
    await expect(
      new AppAutoScalingFleetScaler(new ApplicationAutoScalingClient({ region: "eu-west-1" })).setMinTasks(
        { cluster: "c", service: "s", minTasks: 0 },
        3,
      ),
    ).rejects.toThrow("AccessDenied");
  });
});

describe("nightly config", () => {
  it("GIVEN a missing or malformed environment WHEN parsed THEN the error names the variable", () => {
    expect(() => parseNightlyConfig({})).toThrow(/LEANFLEET_BUCKET is not set/);
    expect(() => parseNightlyConfig({ LEANFLEET_BUCKET: "b" })).toThrow(/LEANFLEET_NIGHTLY_FLEETS is not set/);
    expect(() => parseNightlyConfig({ LEANFLEET_BUCKET: "b", LEANFLEET_NIGHTLY_FLEETS: "{" })).toThrow(
      /not valid JSON/,
    );
    expect(() =>
      parseNightlyConfig({ LEANFLEET_BUCKET: "b", LEANFLEET_NIGHTLY_FLEETS: '{"m":{"queueUrl":"q"}}' }),
    ).toThrow(/LEANFLEET_NIGHTLY_FLEETS/);
  });
});

describe("nightly handler", () => {
  it("GIVEN the Lambda environment WHEN a start event arrives THEN it reads the manifest from S3, raises the minimum and sends the jobs to SQS", async () => {
    process.env[NIGHTLY_ENV.bucket] = "data-bucket";
    process.env[NIGHTLY_ENV.fleets] = JSON.stringify({
      mathlib: { queueUrl: "https://sqs.eu-west-1.amazonaws.com/1/q", cluster: "c", service: "s", minTasks: 0 },
    });
    const manifest = JSON.stringify({
      name: "tiny",
      items: [
        { id: "a", code: "example : 1 = 1 := rfl" },
        { id: "b", code: "example : 2 = 2 := rfl" },
      ],
    });
    s3.on(GetObjectCommand).rejects(Object.assign(new Error("NoSuchKey"), { name: "NoSuchKey" }));
    s3.on(GetObjectCommand, { Key: "datasets/tiny.json" }).callsFake(() => ({ Body: body(manifest) }));
    s3.on(HeadObjectCommand).rejects(Object.assign(new Error("NotFound"), { name: "NotFound" }));
    s3.on(ListObjectsV2Command).resolves({ Contents: [] });
    s3.on(PutObjectCommand).resolves({});
    sqs.on(SendMessageBatchCommand).callsFake((input: { Entries: { Id: string }[] }) => ({
      Successful: input.Entries.map((e) => ({ Id: e.Id, MessageId: `m-${e.Id}` })),
      Failed: [],
    }));
    scaling.on(RegisterScalableTargetCommand).resolves({});
    const { handler } = await import("../../functions/nightly/handler.js");

    const out = (await handler({
      action: "start",
      run: { name: "tiny", fleet: "mathlib", manifestKey: "datasets/tiny.json", startTasks: 4 },
    })) as { started: { total: number } };

    expect(out.started.total).toBe(2);
    expect(scaling).toHaveReceivedCommandWith(RegisterScalableTargetCommand, {
      ResourceId: "service/c/s",
      MinCapacity: 4,
    });
    const sent = sqs.commandCalls(SendMessageBatchCommand).flatMap((c) => c.args[0].input.Entries ?? []);
    expect(sent.map((e) => JSON.parse(e.MessageBody!).fleet)).toEqual(["mathlib", "mathlib"]);
    expect(s3).toHaveReceivedCommandWith(PutObjectCommand, {
      Bucket: "data-bucket",
      Key: "nightly/active/tiny.json",
      IfNoneMatch: "*",
    });
    await expect(handler({ action: "stop" })).rejects.toThrow(/not a nightly event/);
  });
});
