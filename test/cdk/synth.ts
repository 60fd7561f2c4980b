// Test helper: synthesize a LeanFleet stack once (bundling skipped, cdk.json's feature flags applied), and run
// cdk-nag's AwsSolutions pack on it. Synth is slow (seconds), so each test file builds one and reuses it.
import { App, type CfnElement, type PolicyValidationPluginReport, Stack, Validations } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import { AwsSolutionsChecks } from "cdk-nag";
import type { IConstruct } from "constructs";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type DeploymentConfig, parseDeploymentConfig } from "../../cdk/config.js";
import { LeanFleetStack, REPO_ROOT } from "../../cdk/lib/leanfleet-stack.js";

/** A synthesized stack with its template and cdk-nag report. */
export interface Synth {
  stack: LeanFleetStack;
  template: Template;
  nag: PolicyValidationPluginReport;
  /** Logical id of a construct's CloudFormation resource. */
  id(c: IConstruct): string;
  /** Remove the temporary cloud assembly. */
  dispose(): void;
}

/**
 * A config exercising both launch types: a Fargate Mathlib fleet, a small Fargate fleet, and an EC2 fleet above
 * Fargate's 120 GiB; plus one nightly run.
 */
export const TEST_CONFIG: DeploymentConfig = parseDeploymentConfig({
  name: "LeanFleetTest",
  fleets: [
    {
      name: "mathlib",
      leanToolchain: "leanprover/lean4:v4.19.0",
      project: {
        gitUrl: "https://github.com/leanprover-community/mathlib4",
        rev: "c44e0c8ee63ca166450922a373c7409c5d26b00b",
        ref: "v4.19.0",
      },
      vcpu: 16,
      memoryMiB: 65_536,
      replMemoryMiB: 7168,
      maxTasks: 20,
    },
    {
      name: "core",
      leanToolchain: "leanprover/lean4:v4.22.0",
      repl: { flavor: "upstream" },
      vcpu: 2,
      memoryMiB: 4096,
      replMemoryMiB: 1536,
      maxTasks: 10,
    },
    {
      name: "huge",
      leanToolchain: "leanprover/lean4:v4.19.0",
      project: {
        gitUrl: "https://github.com/leanprover-community/mathlib4",
        rev: "c44e0c8ee63ca166450922a373c7409c5d26b00b",
        ref: "v4.19.0",
      },
      vcpu: 32,
      memoryMiB: 196_608,
      replMemoryMiB: 16_384,
      ec2InstanceType: "r7i.8xlarge",
      maxTasks: 4,
    },
  ],
  nightly: {
    runs: [
      {
        name: "minif2f",
        fleet: "mathlib",
        schedule: "cron(30 2 * * ? *)",
        manifestKey: "datasets/minif2f/manifest.json",
        startTasks: 12,
      },
    ],
  },
  alarms: { email: "ops@example.com" },
});

/** cdk.json's context (feature flags), so tests build what `cdk synth` builds. */
function cdkJsonContext(): Record<string, unknown> {
  const cdk = JSON.parse(readFileSync(join(REPO_ROOT, "cdk.json"), "utf8")) as { context?: Record<string, unknown> };
  return cdk.context ?? {};
}

/** Synthesize the stack for `config`. */
export function synth(config: DeploymentConfig = TEST_CONFIG): Synth {
  const outdir = mkdtempSync(join(tmpdir(), "leanfleet-cdk-"));
  // Bundling of the Lambda code is skipped here (the CI's `cdk synth` does it); the entries must still exist.
  const app = new App({ outdir, context: { ...cdkJsonContext(), "aws:cdk:bundling-stacks": [] } });
  const stack = new LeanFleetStack(app, config.name, { config });
  const template = Template.fromStack(stack);
  const nag = new AwsSolutionsChecks().validateScope(stack);
  return {
    stack,
    template,
    nag,
    id: (c) => Stack.of(c).getLogicalId((c.node.defaultChild ?? c) as CfnElement),
    dispose: () => rmSync(outdir, { recursive: true, force: true }),
  };
}

/** Every cdk-nag acknowledgment in a construct tree: construct path, rule id, reason. */
export function acknowledgments(root: IConstruct): { path: string; id: string; reason: string }[] {
  const out: { path: string; id: string; reason: string }[] = [];
  for (const c of root.node.findAll()) {
    for (const entry of c.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY || !entry.data) continue;
      for (const [id, reason] of Object.entries(entry.data as Record<string, string>))
        out.push({ path: c.node.path, id, reason });
    }
  }
  return out;
}

/** Render a CloudFormation value with intrinsics as a readable string: `<Logical.Arn>`, `<Ref>`, joins concatenated. */
export function render(value: unknown): string {
  if (typeof value === "string") return value;
  if (value && typeof value === "object") {
    const o = value as Record<string, unknown>;
    if ("Ref" in o) return `<${String(o.Ref)}>`;
    if ("Fn::GetAtt" in o) return `<${(o["Fn::GetAtt"] as string[]).join(".")}>`;
    if ("Fn::Join" in o) {
      const [sep, parts] = o["Fn::Join"] as [string, unknown[]];
      return parts.map(render).join(sep);
    }
    if ("Fn::Sub" in o) return String(o["Fn::Sub"]);
  }
  return JSON.stringify(value);
}

/** A policy statement flattened for exact comparison: effect, sorted actions, sorted rendered resources. */
export interface FlatStatement {
  effect: string;
  actions: string[];
  resources: string[];
}

/** The statements of every inline policy attached to a role (by logical id), flattened and sorted. */
export function roleStatements(template: Template, roleId: string): FlatStatement[] {
  const policies = template.findResources("AWS::IAM::Policy");
  const out: FlatStatement[] = [];
  for (const p of Object.values(policies)) {
    const props = p.Properties as { Roles?: unknown[]; PolicyDocument: { Statement: Record<string, unknown>[] } };
    if (!(props.Roles ?? []).some((r) => render(r) === `<${roleId}>`)) continue;
    for (const s of props.PolicyDocument.Statement) {
      const list = (v: unknown) => (Array.isArray(v) ? v : [v]);
      out.push({
        effect: String(s.Effect),
        actions: list(s.Action).map(String).sort(),
        resources: list(s.Resource).map(render).sort(),
      });
    }
  }
  return out.sort((a, b) => (a.actions.join() < b.actions.join() ? -1 : 1));
}
