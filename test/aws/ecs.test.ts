// ECS task scale-in protection through UpdateTaskProtection, with the task ARN from the task metadata endpoint.
import { ECSClient, UpdateTaskProtectionCommand } from "@aws-sdk/client-ecs";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, describe, expect, it } from "vitest";
import { EcsTaskProtection, NoopTaskProtection } from "../../services/aws/index.js";

const ecsMock = mockClient(ECSClient);
afterEach(() => ecsMock.reset());

const metadata = (body: unknown, status = 200) => {
  const calls: string[] = [];
  const f = (async (url: string) => {
    calls.push(url);
    return new Response(JSON.stringify(body), { status });
  }) as unknown as typeof fetch;
  return { f, calls };
};

describe("EcsTaskProtection", () => {
  it("protects and releases this task, reading its ARN once from the metadata endpoint", async () => {
    ecsMock.on(UpdateTaskProtectionCommand).resolves({ protectedTasks: [], failures: [] });
    const { f, calls } = metadata({
      Cluster: "arn:aws:ecs:eu-west-1:1:cluster/lf",
      TaskARN: "arn:aws:ecs:eu-west-1:1:task/lf/abc",
    });
    const p = new EcsTaskProtection({
      client: new ECSClient({ region: "eu-west-1" }),
      metadataUri: "http://169.254.170.2/v4/x",
      fetch: f,
      expiresInMinutes: 30,
    });
    await p.set(true);
    await p.set(false);
    expect(calls).toEqual(["http://169.254.170.2/v4/x/task"]);
    const inputs = ecsMock.commandCalls(UpdateTaskProtectionCommand).map((c) => c.args[0].input);
    expect(inputs).toEqual([
      {
        cluster: "arn:aws:ecs:eu-west-1:1:cluster/lf",
        tasks: ["arn:aws:ecs:eu-west-1:1:task/lf/abc"],
        protectionEnabled: true,
        expiresInMinutes: 30,
      },
      {
        cluster: "arn:aws:ecs:eu-west-1:1:cluster/lf",
        tasks: ["arn:aws:ecs:eu-west-1:1:task/lf/abc"],
        protectionEnabled: false,
      },
    ]);
  });

  it("reports failures: of the call, of the metadata endpoint, and outside ECS", async () => {
    ecsMock
      .on(UpdateTaskProtectionCommand)
      .resolves({ failures: [{ arn: "t", reason: "TASK_NOT_VALID", detail: "stopped" }] });
    const ok = metadata({ Cluster: "c", TaskARN: "t" });
    const p = new EcsTaskProtection({
      client: new ECSClient({ region: "eu-west-1" }),
      metadataUri: "http://m",
      fetch: ok.f,
    });
    await expect(p.set(true)).rejects.toThrow(/TASK_NOT_VALID/);
    const bad = metadata({}, 500);
    await expect(
      new EcsTaskProtection({
        client: new ECSClient({ region: "eu-west-1" }),
        metadataUri: "http://m",
        fetch: bad.f,
      }).set(true),
    ).rejects.toThrow(/HTTP 500/);
    const outside = new EcsTaskProtection({
      client: new ECSClient({ region: "eu-west-1" }),
      metadataUri: "",
      fetch: ok.f,
    });
    await expect(outside.set(true)).rejects.toThrow(/NoopTaskProtection/);
  });

  it("NoopTaskProtection records the state only", async () => {
    const p = new NoopTaskProtection();
    await p.set(true);
    expect(p.on).toBe(true);
  });
});
