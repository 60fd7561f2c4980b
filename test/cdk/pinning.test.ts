// Fleets pin their environment: the project revision is a commit (a branch or tag is refused by the config and by
// `cdk synth`, naming the field, the value and the fix), the image builds exactly it, and the worker is told what to
// expect at start.
import { execa } from "execa";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DeployConfigError, parseDeploymentConfig, planFleet } from "../../cdk/config.js";
import { workerBuildArgs } from "../../cdk/lib/worker-environment.js";
import { REPO_ROOT } from "../../cdk/lib/leanfleet-stack.js";

const MATHLIB_V4_19_0 = "c44e0c8ee63ca166450922a373c7409c5d26b00b";
const config = (rev: string) => ({
  fleets: [
    {
      name: "mathlib",
      leanToolchain: "leanprover/lean4:v4.19.0",
      project: {
        gitUrl: "https://github.com/leanprover-community/mathlib4",
        rev,
        ref: "v4.19.0",
      },
      vcpu: 4,
      memoryMiB: 16_384,
      replMemoryMiB: 4096,
    },
  ],
});

describe("pinned fleets", () => {
  it("GIVEN a project revision that is a commit WHEN planned THEN the image builds exactly that commit with the fleet's toolchain", () => {
    const plan = planFleet(parseDeploymentConfig(config(MATHLIB_V4_19_0)).fleets[0]!);
    expect(workerBuildArgs(plan)).toMatchObject({
      LEAN_TOOLCHAIN: "leanprover/lean4:v4.19.0",
      PROJECT_REV: MATHLIB_V4_19_0,
    });
  });

  it.each(["master", "v4.19.0", "c44e0c8"])(
    "GIVEN project.rev %s WHEN validated THEN it is refused, naming the value and how to pin it",
    (rev) => {
      let err: unknown;
      try {
        parseDeploymentConfig(config(rev));
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(DeployConfigError);
      expect((err as DeployConfigError).message).toContain(
        `fleets[0].project.rev: must be a commit (40 lowercase hex digits), got "${rev}"`,
      );
      expect((err as DeployConfigError).message).toContain(`git ls-remote <gitUrl> ${rev}`);
    },
  );

  it(
    "GIVEN a fleet on a branch name WHEN `cdk synth` runs THEN it fails with that message",
    { timeout: 120_000 },
    async () => {
      const dir = mkdtempSync(join(tmpdir(), "lf-synth-"));
      try {
        const example = JSON.parse(readFileSync(join(REPO_ROOT, "cdk/examples/two-fleets.json"), "utf8")) as {
          fleets: { project?: { rev: string } }[];
        };
        example.fleets[0]!.project!.rev = "master";
        writeFileSync(join(dir, "branch.json"), JSON.stringify(example));
        const r = await execa(
          "npx",
          ["cdk", "synth", "--quiet", "-c", `config=${join(dir, "branch.json")}`, "-o", join(dir, "cdk.out")],
          { cwd: REPO_ROOT, reject: false, timeout: 110_000 },
        );
        expect(r.exitCode).not.toBe(0);
        expect(r.stderr).toContain('fleets[0].project.rev: must be a commit (40 lowercase hex digits), got "master"');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});
