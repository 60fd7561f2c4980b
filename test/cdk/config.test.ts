// Deployment config validation: the example parses; every mistake names the field and the fix.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  CONFIG_DEFAULTS,
  DeployConfigError,
  loadDeploymentConfig,
  parseDeploymentConfig,
  planFleet,
  replCountFor,
} from "../../cdk/config.js";
import { FARGATE_SIZES, isFargateSize, smallestFargateSize } from "../../cdk/fargate-sizes.js";
import { REPO_ROOT } from "../../cdk/lib/leanfleet-stack.js";

const fleet = (over: Record<string, unknown> = {}) => ({
  name: "mathlib",
  leanToolchain: "leanprover/lean4:v4.19.0",
  vcpu: 4,
  memoryMiB: 16_384,
  replMemoryMiB: 4096,
  ...over,
});

/** The issues of an invalid config, as "path: message". */
function issuesOf(raw: unknown): string[] {
  try {
    parseDeploymentConfig(raw);
  } catch (e) {
    expect(e).toBeInstanceOf(DeployConfigError);
    return (e as DeployConfigError).issues.map((i) => `${i.path}: ${i.message}`);
  }
  throw new Error("expected the config to be rejected");
}

describe("deployment config", () => {
  it("GIVEN the two-fleet example WHEN loaded THEN it validates and plans REPL counts from vCPUs and memory", () => {
    const cfg = loadDeploymentConfig(join(REPO_ROOT, "cdk/examples/two-fleets.json"));
    const plans = cfg.fleets.map(planFleet);
    expect(plans.map((p) => [p.name, p.launchType, p.replCount])).toEqual([
      ["mathlib", "FARGATE", 9],
      ["core", "FARGATE", 2],
    ]);
    expect(plans[0]).toMatchObject({
      replRev: "v1.3.14_lean-toolchain-v4.19.0",
      replGitUrl: CONFIG_DEFAULTS.forkReplGitUrl,
      mathlibCache: true,
      prewarmHeaderText: "import Mathlib",
    });
    expect(plans[1]).toMatchObject({
      replRev: "v4.22.0",
      replGitUrl: CONFIG_DEFAULTS.upstreamReplGitUrl,
      mathlibCache: false,
      prewarmHeaderText: "",
    });
    expect(cfg.nightly.runs).toHaveLength(1);
  });

  it("GIVEN a task too small for one REPL WHEN validated THEN the error names memoryMiB, the numbers and the fix", () => {
    const issues = issuesOf({ fleets: [fleet({ vcpu: 2, memoryMiB: 4096, replMemoryMiB: 8192 })] });
    expect(issues).toContainEqual(
      "fleets[0].memoryMiB: 4096 MiB cannot hold one REPL at replMemoryMiB=8192 plus the worker's 512 MiB overhead; raise memoryMiB to at least 8704 (on Fargate: memoryMiB 9216 with vcpu 2) or lower replMemoryMiB",
    );
  });

  it("GIVEN a memory size Fargate does not offer WHEN validated THEN the error lists the valid sizes and the nearest one", () => {
    const issues = issuesOf({ fleets: [fleet({ vcpu: 1, memoryMiB: 5000, replMemoryMiB: 1024 })] });
    expect(issues).toEqual([
      "fleets[0].memoryMiB: 5000 MiB is not a Fargate size for vcpu 1 (valid: 2048..8192 MiB in steps of 1024); the nearest larger size is memoryMiB 5120 with vcpu 1",
    ]);
    expect(issuesOf({ fleets: [fleet({ vcpu: 3 })] })[0]).toBe(
      "fleets[0].vcpu: 3 is not a Fargate vCPU count; use one of 0.25, 0.5, 1, 2, 4, 8, 16",
    );
  });

  it("GIVEN more memory than Fargate's 120 GiB WHEN no instance type is named THEN ec2InstanceType is required; with one, the fleet plans EC2", () => {
    const big = fleet({ vcpu: 32, memoryMiB: 200_000, replMemoryMiB: 16_384 });
    expect(issuesOf({ fleets: [big] })[0]).toMatch(
      /^fleets\[0\]\.ec2InstanceType: required because memoryMiB 200000 exceeds Fargate's 122880 MiB/,
    );
    const cfg = parseDeploymentConfig({ fleets: [{ ...big, ec2InstanceType: "r7i.8xlarge" }] });
    expect(planFleet(cfg.fleets[0]!)).toMatchObject({ launchType: "EC2", replCount: 12, containerMemoryMiB: 200_000 });
    expect(issuesOf({ fleets: [fleet({ ec2InstanceType: "r7i.8xlarge" })] })[0]).toMatch(
      /^fleets\[0\]\.ec2InstanceType: only used above 122880 MiB/,
    );
  });

  it("GIVEN an explicit replCount that does not fit WHEN validated THEN the error says how many fit", () => {
    expect(issuesOf({ fleets: [fleet({ replCount: 4 })] })).toEqual([
      "fleets[0].replCount: 4 REPLs at replMemoryMiB=4096 plus 512 MiB overhead need 16896 MiB, more than memoryMiB 16384; use at most 3 or raise memoryMiB",
    ]);
  });

  it("GIVEN typos, bad names, bad toolchains, bad schedules and unknown fleets WHEN validated THEN each problem names its field", () => {
    const issues = issuesOf({
      fleets: [
        fleet({ name: "Math Lib", leanToolchain: "4.19", memroyMiB: 1 }),
        fleet({ name: "b", minTasks: 5, maxTasks: 2 }),
      ],
      nightly: { runs: [{ name: "n", fleet: "nope", schedule: "cron(0 3 * * *)", manifestKey: "m.json" }] },
    });
    // Shape problems and cross-field problems are reported together (cross-field checks run when types are right).
    expect(issues.map((i) => i.split(":")[0])).toEqual([
      "fleets[0].name",
      "fleets[0].leanToolchain",
      "fleets[0]",
      "nightly.runs[0].schedule",
      "fleets[1].minTasks",
      "nightly.runs[0].fleet",
    ]);
    expect(issues[2]).toContain('unknown field(s) "memroyMiB"');
    const later = issuesOf({
      fleets: [fleet(), fleet({ minTasks: 5, maxTasks: 2 }), fleet({ name: "other", maxTasks: 3 })],
      nightly: {
        runs: [
          { name: "n", fleet: "nope", schedule: "cron(0 3 * * ? *)", manifestKey: "m.json" },
          { name: "m", fleet: "other", schedule: "rate(1 day)", manifestKey: "m.json", startTasks: 9 },
        ],
      },
    });
    expect(later).toEqual([
      'fleets[1].name: "mathlib" is used by two fleets; give each fleet its own name',
      "fleets[1].minTasks: 5 is above maxTasks 2; lower minTasks or raise maxTasks",
      'nightly.runs[0].fleet: "nope" is not a fleet of this deployment; use one of "mathlib", "other"',
      `nightly.runs[1].startTasks: 9 is above fleet "other"'s maxTasks 3; lower it or raise maxTasks`,
    ]);
  });

  it("GIVEN a missing required field WHEN validated THEN it says which and of what type", () => {
    const { replMemoryMiB: _, ...noRepl } = fleet();
    expect(issuesOf({ fleets: [noRepl] })).toEqual(["fleets[0].replMemoryMiB: is required (a number)"]);
  });

  it("GIVEN a file path WHEN the file is missing or not JSON THEN the error names the file and what to pass", () => {
    expect(() => loadDeploymentConfig("/nonexistent/leanfleet.json")).toThrow(
      /cannot read \/nonexistent\/leanfleet\.json .*-c config=PATH/,
    );
    expect(() => loadDeploymentConfig(join(REPO_ROOT, "package-lock.json"))).toThrow(DeployConfigError);
  });
});

describe("REPL count and Fargate sizes", () => {
  it("GIVEN task sizes WHEN planning THEN REPLs = min(vCPUs (at least 1), memory after overhead / memory per REPL)", () => {
    expect(replCountFor(16, 65_536, 7168)).toBe(9); // memory-bound
    expect(replCountFor(2, 16_384, 1024)).toBe(2); // CPU-bound
    expect(replCountFor(0.25, 2048, 1024)).toBe(1); // a fraction of a vCPU still runs one REPL
    expect(replCountFor(1, 1024, 1024)).toBe(0); // does not fit: validation rejects such a fleet
  });

  it("GIVEN Fargate's table WHEN queried THEN sizes and the smallest fitting size follow AWS's documented combinations", () => {
    expect(FARGATE_SIZES.get(16)).toHaveLength(12);
    expect(FARGATE_SIZES.get(8)).toHaveLength(12);
    expect(isFargateSize(0.25, 512)).toBe(true);
    expect(isFargateSize(4, 31_744)).toBe(false);
    expect(smallestFargateSize(4, 40_000)).toEqual({ vcpu: 8, memoryMiB: 40_960 });
    expect(smallestFargateSize(16, 130_000)).toBeUndefined();
  });
});
