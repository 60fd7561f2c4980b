// The comparator double as a real process: comparator's command line and config, its stdout lines, its exact
// failure messages on stderr with exit 1, and the REPL double's directives for limits and orphan cleanup.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import {
  COMPARATOR_DOUBLE_PATH,
  isDead,
  killAllDoubles,
  processGroupOf,
  rssKiB,
  startDouble,
} from "../fixtures/double-process.js";

const workDir = fs.mkdtempSync(path.join(os.tmpdir(), "leanfleet-comparator-double-"));
let extraPids: number[] = [];
afterEach(async () => {
  expect(await killAllDoubles(extraPids)).toEqual([]);
  extraPids = [];
});
afterAll(() => fs.rmSync(workDir, { recursive: true, force: true }));

const CHALLENGE = "theorem todo1 (a b : Nat) (h : a = b) : b = a := by sorry\n";
const STD = ["propext", "Quot.sound", "Classical.choice"];

let n = 0;
/** A Lake-project-like directory with the two modules and a config; returns the running double. */
function project(solution: string, config: Record<string, unknown> = {}, args: string[] = [], challenge = CHALLENGE) {
  const dir = path.join(workDir, `p${n++}`);
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, "Challenge.lean"), challenge);
  fs.writeFileSync(path.join(dir, "Solution.lean"), solution);
  const full = {
    challenge_module: "Challenge",
    solution_module: "Solution",
    theorem_names: ["todo1"],
    permitted_axioms: STD,
    ...config,
  };
  fs.writeFileSync(path.join(dir, "config.json"), JSON.stringify(full));
  return startDouble([...args, "config.json"], { cwd: dir, script: COMPARATOR_DOUBLE_PATH });
}

async function run(solution: string, config: Record<string, unknown> = {}, args: string[] = [], challenge = CHALLENGE) {
  const d = project(solution, config, args, challenge);
  const exit = await d.exited;
  return { code: exit.code, stdout: d.stdout(), stderr: d.stderr() };
}
const failure = (stderr: string) => /uncaught exception: ([\s\S]*)\n$/.exec(stderr)?.[1];

describe("success", () => {
  it("prints comparator's lines after a line saying it is simulated, and exits 0", async () => {
    const r = await run("theorem todo1 (x y : Nat) (hxy : x = y) : y = x := by omega\n");
    expect(r).toMatchObject({ code: 0, stderr: "" });
    expect(r.stdout.split("\n")).toEqual([
      "comparator (simulated double): simulated, not a Lean verdict",
      "Building Challenge",
      "Exporting #[Nat, String, String.mk, Char, Quot, Quot.mk, Quot.lift, Quot.ind, todo1, propext, Quot.sound, Classical.choice] from Challenge",
      "Building Solution",
      "Exporting #[Nat, String, String.mk, Char, Quot, Quot.mk, Quot.lift, Quot.ind, todo1, propext, Quot.sound, Classical.choice] from Solution",
      "Running Lean default kernel on solution.",
      "Lean default kernel accepts the solution",
      "Your solution is okay!",
      "",
    ]);
  });

  it("--version names the simulated comparator and its Lean", async () => {
    const d = startDouble(["--version", "--lean-version", "4.29.0"], { script: COMPARATOR_DOUBLE_PATH });
    expect(await d.exited).toEqual({ code: 0, signal: null });
    expect(d.stdout()).toBe("comparator (simulated double) for Lean 4.29.0\n");
  });

  it("runs configured external kernels before the default one", async () => {
    const r = await run("theorem todo1 (a b : Nat) (h : a = b) : b = a := h.symm\n", { enable_nanoda: true });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      "Running nanoda kernel on solution\nnanoda kernel accepts the solution\nRunning Lean default kernel on solution.\n",
    );
  });
});

describe("failures: exit 1 and comparator's message", () => {
  it.each([
    [
      "a changed statement",
      "theorem todo1 (a b : Nat) (h : a = b) : a = b := h\n",
      "Challenge and solution theorem statement do not match: 'todo1'",
    ],
    [
      "an extra hypothesis",
      "theorem todo1 (a b : Nat) (h : a = b) (h2 : 0 < a) : b = a := h.symm\n",
      "Challenge and solution theorem statement do not match: 'todo1'",
    ],
    [
      "a renamed theorem",
      "theorem todo2 (a b : Nat) (h : a = b) : b = a := h.symm\n",
      "Const not found in solution: 'todo1'",
    ],
    [
      "a def in place of the theorem",
      "def todo1 (a b : Nat) (h : a = b) : b = a := h.symm\n",
      "Challenge and solution constant kind don't match: 'todo1'",
    ],
    ["a sorry", "theorem todo1 (a b : Nat) (h : a = b) : b = a := sorry\n", "Illegal axiom detected: 'sorryAx'"],
    [
      "a custom axiom",
      "axiom cheat : False\ntheorem todo1 (a b : Nat) (h : a = b) : b = a := cheat.elim\n",
      "Illegal axiom detected: 'cheat'",
    ],
    [
      "native_decide",
      "theorem todo1 (a b : Nat) (h : a = b) : b = a := by\n  subst h\n  native_decide\n",
      "Illegal axiom detected: 'Lean.ofReduceBool'",
    ],
    [
      "a shadowed notation",
      'local notation "Nat" => Int\ntheorem todo1 (a b : Nat) (h : a = b) : b = a := h.symm\n',
      "Challenge and solution theorem statement do not match: 'todo1'",
    ],
  ])("%s", async (_label, solution, message) => {
    const r = await run(solution);
    expect(r.code).toBe(1);
    expect(failure(r.stderr)).toBe(message);
  });

  it("a solution that does not elaborate fails its build", async () => {
    const r = await run(
      "theorem todo1 (a b : Nat) (h : a = b) : b = a := by\n  -- @double error type mismatch\n  exact h\n",
    );
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("Building Solution\n");
    expect(r.stdout).not.toContain("from Solution");
    expect(r.stderr).toBe("error: Solution.lean:2:2: type mismatch\nuncaught exception: Child exited with 1\n");
  });

  it("a proof the kernel rejects fails the build, unless debug.skipKernelTC was on: then the replay rejects it", async () => {
    const proof = "theorem todo1 (a b : Nat) (h : a = b) : b = a := by\n  -- @double kernel-reject\n  exact h.symm\n";
    const built = await run(proof);
    expect(failure(built.stderr)).toBe("Child exited with 1");
    const skipped = await run(`set_option debug.skipKernelTC true\n${proof}`);
    expect(skipped.code).toBe(1);
    expect(skipped.stdout).toContain(
      "Running Lean default kernel on solution.\nLean default kernel rejects the solution\n",
    );
    expect(failure(skipped.stderr)).toBe("(kernel) declaration type mismatch, 'todo1'");
  });

  it("per-use native axioms (>= 4.29) are exact names that permitted_axioms may list", async () => {
    const proof = "theorem todo1 : 10 < 11 := by native_decide\n";
    const challenge = "theorem todo1 : 10 < 11 := by sorry\n";
    const refused = await run(proof, {}, ["--lean-version", "4.29.0"], challenge);
    expect(failure(refused.stderr)).toBe("Illegal axiom detected: 'todo1._native.native_decide.ax_1_1'");
    const allowed = await run(
      proof,
      { permitted_axioms: [...STD, "todo1._native.native_decide.ax_1_1"] },
      ["--lean-version", "4.29.0"],
      challenge,
    );
    expect(allowed.code).toBe(0);
  });

  it("a definition the statement uses must be the same in the solution", async () => {
    const challenge = "def target : Nat := 5\ntheorem todo1 : target = 5 := by sorry\n";
    const r = await run("def target : Nat := 6\ntheorem todo1 : target = 5 := by sorry\n", {}, [], challenge);
    expect(failure(r.stderr)).toBe("Const does not match between challenge and target 'target'");
  });

  it("config errors: no argument, a missing field", async () => {
    const d = startDouble([], { script: COMPARATOR_DOUBLE_PATH });
    expect((await d.exited).code).toBe(1);
    expect(d.stderr()).toBe("uncaught exception: Expected config file path as first argument.\n");
    const r = await run("theorem todo1 (a b : Nat) (h : a = b) : b = a := h.symm\n", { theorem_names: undefined });
    expect(r.code).toBe(1);
    expect(failure(r.stderr)).toBe("property not found: theorem_names");
  });
});

describe("directives in Solution.lean", () => {
  it("hang never finishes; a group kill ends it", async () => {
    const d = project("-- @double hang\ntheorem todo1 (a b : Nat) (h : a = b) : b = a := h.symm\n");
    // Wait until it is building the solution (start-up takes longer on a loaded machine), then a while more.
    const deadline = Date.now() + 15_000;
    while (!d.stdout().includes("Building Solution\n") && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 500));
    expect(isDead(d.pid)).toBe(false);
    expect(d.stdout()).toContain("Building Solution\n");
    d.killGroup();
    expect((await d.exited).signal).toBe("SIGKILL");
  });

  it("alloc really raises RSS", async () => {
    const d = project(
      "-- @double alloc 200\n-- @double hang\ntheorem todo1 (a b : Nat) (h : a = b) : b = a := h.symm\n",
    );
    const deadline = Date.now() + 10_000;
    while (rssKiB(d.pid) < 200 * 1024 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(rssKiB(d.pid)).toBeGreaterThanOrEqual(200 * 1024);
    d.killGroup();
  });

  it("grandchild lives in the comparator's process group and survives a kill of the comparator alone", async () => {
    const d = project(
      "-- @double grandchild\n-- @double hang\ntheorem todo1 (a b : Nat) (h : a = b) : b = a := h.symm\n",
    );
    const [, pidText] = (await d.waitStderr(/@double grandchild (\d+)\n/))!;
    const grandchild = Number(pidText);
    extraPids.push(grandchild);
    expect(processGroupOf(grandchild)).toBe(d.pid);
    process.kill(d.pid, "SIGKILL");
    await d.exited;
    await new Promise((r) => setTimeout(r, 200));
    expect(isDead(grandchild)).toBe(false);
    process.kill(-d.pid, "SIGKILL");
    const deadline = Date.now() + 5000;
    while (!isDead(grandchild) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    expect(isDead(grandchild)).toBe(true);
  });
});
