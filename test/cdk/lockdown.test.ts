// CDK assertions on the lock-down: worker subnets without a route to the internet, VPC endpoints and their
// policies, worker security group, the task role's permissions (exactly), and cdk-nag's AwsSolutions pack.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Synth, TEST_CONFIG, acknowledgments, roleStatements, synth } from "./synth.js";

let s: Synth;
beforeAll(() => {
  s = synth(TEST_CONFIG);
}, 120_000);
afterAll(() => s?.dispose());

describe("no route to the internet", () => {
  it("GIVEN the VPC WHEN synthesized THEN it has no internet gateway, no NAT gateway, no egress-only gateway and no routes at all", () => {
    for (const type of [
      "AWS::EC2::InternetGateway",
      "AWS::EC2::VPCGatewayAttachment",
      "AWS::EC2::NatGateway",
      "AWS::EC2::EgressOnlyInternetGateway",
      "AWS::EC2::Route",
      "AWS::EC2::EIP",
    ]) {
      s.template.resourceCountIs(type, 0);
    }
  });

  it("GIVEN the worker subnets WHEN synthesized THEN they are isolated and never map public IPs, and services place tasks only there", () => {
    const subnets = s.template.findResources("AWS::EC2::Subnet");
    expect(Object.keys(subnets).length).toBe(2);
    for (const sn of Object.values(subnets)) {
      expect(sn.Properties.MapPublicIpOnLaunch).toBe(false);
      expect(sn.Properties.Tags).toContainEqual({ Key: "aws-cdk:subnet-type", Value: "Isolated" });
    }
    const ids = Object.keys(subnets).sort();
    for (const svc of Object.values(s.template.findResources("AWS::ECS::Service"))) {
      const net = svc.Properties.NetworkConfiguration.AwsvpcConfiguration;
      expect(net.AssignPublicIp ?? "DISABLED").toBe("DISABLED");
      expect((net.Subnets as { Ref: string }[]).map((r) => r.Ref).sort()).toEqual(ids);
    }
    // The EC2 capacity's instances live in the same subnets.
    for (const asg of Object.values(s.template.findResources("AWS::AutoScaling::AutoScalingGroup"))) {
      expect((asg.Properties.VPCZoneIdentifier as { Ref: string }[]).map((r) => r.Ref).sort()).toEqual(ids);
    }
  });

  it("GIVEN the workers' AWS needs WHEN synthesized THEN S3 has a gateway endpoint and SQS, ECR, Logs and ECS have interface endpoints", () => {
    const eps = Object.values(s.template.findResources("AWS::EC2::VPCEndpoint"));
    const names = eps.map((e) => (e.Properties.ServiceName["Fn::Join"][1] as unknown[]).at(-1)).sort();
    expect(names).toEqual([".ecr.api", ".ecr.dkr", ".ecs", ".ecs-agent", ".ecs-telemetry", ".logs", ".s3", ".sqs"]);
    const s3 = eps.find((e) => JSON.stringify(e.Properties.ServiceName).includes(".s3"))!;
    expect(s3.Properties.VpcEndpointType).toBe("Gateway");
  });

  it("GIVEN the data-carrying endpoints WHEN synthesized THEN their policies admit only principals of this account (ECR layers excepted)", () => {
    for (const e of Object.values(s.template.findResources("AWS::EC2::VPCEndpoint"))) {
      const svc = JSON.stringify(e.Properties.ServiceName);
      if (/\.ecs/.test(svc)) continue;
      const statements = e.Properties.PolicyDocument.Statement as { Sid: string; Condition?: unknown }[];
      for (const st of statements) {
        if (st.Sid === "EcrImageLayers") continue;
        expect(st.Condition).toEqual({ StringEquals: { "aws:PrincipalAccount": { Ref: "AWS::AccountId" } } });
      }
    }
  });

  it("GIVEN the worker security group WHEN synthesized THEN it has no ingress and only HTTPS egress", () => {
    const sg = s.template.toJSON().Resources[s.id(s.stack.network.workerSecurityGroup)];
    expect(sg.Properties.SecurityGroupIngress).toBeUndefined();
    expect(sg.Properties.SecurityGroupEgress).toEqual([
      { CidrIp: "0.0.0.0/0", Description: expect.any(String), FromPort: 443, IpProtocol: "tcp", ToPort: 443 },
    ]);
    s.template.resourceCountIs("AWS::EC2::SecurityGroupIngress", 0);
  });
});

describe("worker task role", () => {
  it("GIVEN a fleet WHEN synthesized THEN its task role may consume its own queue, read inputs, write results and markers, and protect its own cluster's tasks; nothing else", () => {
    const f = s.stack.fleets.find((x) => x.plan.name === "mathlib")!;
    const bucket = `<${s.id(s.stack.storage.bucket)}.Arn>`;
    const statements = roleStatements(s.template, s.id(f.service.taskRole));
    expect(statements).toEqual(
      [
        {
          effect: "Allow",
          actions: [
            "sqs:ChangeMessageVisibility",
            "sqs:DeleteMessage",
            "sqs:GetQueueAttributes",
            "sqs:GetQueueUrl",
            "sqs:ReceiveMessage",
          ],
          resources: [`<${s.id(f.queue.queue)}.Arn>`],
        },
        {
          effect: "Allow",
          actions: ["s3:GetBucket*", "s3:GetObject*", "s3:List*"],
          resources: [bucket, `${bucket}/batches/*/valid/*`, `${bucket}/inputs/*`, `${bucket}/results/*`],
        },
        {
          effect: "Allow",
          actions: [
            "s3:Abort*",
            "s3:PutObject",
            "s3:PutObjectLegalHold",
            "s3:PutObjectRetention",
            "s3:PutObjectTagging",
            "s3:PutObjectVersionTagging",
          ],
          resources: [`${bucket}/batches/*/valid/*`, `${bucket}/results/*`, `${bucket}/running/*`],
        },
        { effect: "Allow", actions: ["s3:DeleteObject*"], resources: [`${bucket}/running/*`] },
        {
          effect: "Allow",
          actions: ["ecs:GetTaskProtection", "ecs:UpdateTaskProtection"],
          resources: [`arn:<AWS::Partition>:ecs:<AWS::Region>:<AWS::AccountId>:task/<${s.id(f.service.cluster)}>/*`],
        },
      ].sort((a, b) => (a.actions.join() < b.actions.join() ? -1 : 1)),
    );
    // No managed policies on the task role.
    const role = s.template.toJSON().Resources[s.id(f.service.taskRole)];
    expect(role.Properties.ManagedPolicyArns).toBeUndefined();
  });

  it("GIVEN two fleets WHEN synthesized THEN neither task role can touch the other fleet's queue or tasks", () => {
    const [a, b] = s.stack.fleets;
    const text = JSON.stringify(roleStatements(s.template, s.id(a!.service.taskRole)));
    expect(text).not.toContain(s.id(b!.queue.queue));
    expect(text).not.toContain(s.id(b!.service.cluster));
  });
});

describe("cdk-nag AwsSolutions", () => {
  it("GIVEN the whole stack WHEN checked with AwsSolutionsChecks THEN there is no unacknowledged error", () => {
    const errors = s.nag.violations.filter((v) => v.severity === "error");
    expect(
      errors.map((e) => `${e.ruleName} at ${e.violatingResources.map((r) => r.constructPath).join(", ")}`),
    ).toEqual([]);
  });

  it("GIVEN the acknowledged findings WHEN listed THEN every one carries a written reason", () => {
    const acks = acknowledgments(s.stack).filter((a) => a.id.includes("AwsSolutions"));
    expect(acks.length).toBeGreaterThan(5);
    for (const a of acks) expect(a.reason.length, `${a.id} at ${a.path}`).toBeGreaterThanOrEqual(40);
  });
});
