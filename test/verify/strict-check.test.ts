// The strict stage's process handling with real child processes standing in for comparator: exit codes mapped to
// a kernel check, a hang killed at the timeout, a leak killed at the memory limit, a grandchild that does not
// survive, one fresh process per candidate, the scratch project laid out as comparator expects.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync, readlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { isProcessDead } from "../../services/repl/index.js";
import { comparatorReason, prepareScratch, scratchManifest, StrictChecker } from "../../services/verify/index.js";

const dir = mkdtempSync(join(tmpdir(), "lf-strict-test-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A stand-in comparator: a Node script that receives the config path as its last argument. */
function fake(name: string, body: string): string[] {
  const file = join(dir, `${name}.mjs`);
  writeFileSync(
    file,
    `import { readFileSync, appendFileSync } from "node:fs";\nconst configPath = process.argv.at(-1);\nconst config = JSON.parse(readFileSync(configPath, "utf8"));\n${body}\n`,
  );
  return [process.execPath, file];
}

const input = {
  challenge: "theorem t : True := sorry\n",
  solution: "theorem t : True := trivial\n",
  theorems: ["t"],
  permittedAxioms: ["propext"],
};

describe("StrictChecker", () => {
  it("maps exit 0 to an accepted kernel check and exit 1 to comparator's reason; one fresh process per candidate", async () => {
    const log = join(dir, "pids.log");
    const ok = new StrictChecker({
      projectDir: null,
      command: fake(
        "ok",
        `appendFileSync(${JSON.stringify(log)}, process.pid + " " + process.cwd() + "\\n");\nconsole.log("Your solution is okay!");`,
      ),
    });
    const a = await ok.check(input);
    const b = await ok.check(input);
    expect(a).toMatchObject({ status: "ok", check: { name: "kernel", ok: true } });
    expect(b.status).toBe("ok");
    const runs = readFileSync(log, "utf8")
      .trim()
      .split("\n")
      .map((l) => l.split(" "));
    expect(new Set(runs.map((r) => r[0])).size).toBe(2); // two processes
    expect(new Set(runs.map((r) => r[1])).size).toBe(2); // two scratch projects
    for (const [, cwd] of runs) expect(existsSync(cwd!)).toBe(false); // removed afterwards
    const bad = new StrictChecker({
      projectDir: null,
      command: fake("bad", `console.error("uncaught exception: Illegal axiom detected: 'sorryAx'"); process.exit(1);`),
    });
    expect(await bad.check(input)).toMatchObject({
      status: "ok",
      check: { name: "kernel", ok: false, reason: "comparator: Illegal axiom detected: 'sorryAx'" },
    });
  });

  it("hands comparator its config and the two modules", async () => {
    const seen = join(dir, "seen.json");
    const c = new StrictChecker({
      projectDir: null,
      command: fake(
        "seen",
        `import { readdirSync } from "node:fs";\nappendFileSync(${JSON.stringify(seen)}, JSON.stringify({ config, files: readdirSync(process.cwd()).sort(), solution: readFileSync("Solution.lean", "utf8") }));`,
      ),
    });
    expect((await c.check(input)).status).toBe("ok");
    const got = JSON.parse(readFileSync(seen, "utf8"));
    expect(got.config).toEqual({
      challenge_module: "Challenge",
      solution_module: "Solution",
      theorem_names: ["t"],
      permitted_axioms: ["propext"],
    });
    expect(got.files).toEqual(["Challenge.lean", "Solution.lean", "comparator.json", "lakefile.toml"]);
    expect(got.solution).toBe(input.solution);
  });

  it("kills a hanging comparator and its grandchild at the timeout, and one that leaks at its memory limit", async () => {
    const pids = join(dir, "hang.pids");
    const hang = new StrictChecker({
      projectDir: null,
      killGraceMs: 200,
      command: fake(
        "hang",
        `import { spawn } from "node:child_process";\nconst g = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: "ignore" });\nappendFileSync(${JSON.stringify(pids)}, process.pid + " " + g.pid);\nsetInterval(() => {}, 1000);`,
      ),
    });
    const t = await hang.check(input, { timeoutMs: 1_500 });
    expect(t).toMatchObject({ status: "timeout" });
    const [parent, child] = readFileSync(pids, "utf8").split(" ").map(Number);
    for (let i = 0; i < 50 && !(isProcessDead(parent!) && isProcessDead(child!)); i++)
      await new Promise((r) => setTimeout(r, 50));
    expect([isProcessDead(parent!), isProcessDead(child!)]).toEqual([true, true]);
    // RSS watchdog only: under RLIMIT_AS a Node stand-in can fail unpredictably (or hang) at start-up, which says
    // nothing about the watchdog; a real comparator gets both.
    const leak = new StrictChecker({
      projectDir: null,
      memoryLimitMiB: 200,
      addressSpaceLimitMiB: null,
      killGraceMs: 200,
      command: fake("leak", `const keep = [];\nsetInterval(() => keep.push(Buffer.alloc(32 * 1024 * 1024, 1)), 20);`),
    });
    const m = await leak.check(input, { timeoutMs: 20_000 });
    expect(m.status).toBe("crashed");
    expect(m.status !== "ok" && m.reason).toMatch(/MiB|memory|exit|killed/);
  });

  it("runs at most `concurrency` comparators at once", async () => {
    const c = new StrictChecker({
      projectDir: null,
      concurrency: 1,
      command: fake("slow", `await new Promise((r) => setTimeout(r, 200));`),
    });
    const runs = [c.check(input), c.check(input), c.check(input)];
    await new Promise((r) => setTimeout(r, 100));
    expect(c.running).toBe(1);
    expect((await Promise.all(runs)).every((r) => r.status === "ok")).toBe(true);
  });

  it("says when comparator cannot be started", async () => {
    const c = new StrictChecker({ projectDir: null, command: [join(dir, "no-such-comparator")] });
    expect(await c.check(input)).toMatchObject({
      status: "crashed",
      reason: expect.stringMatching(/no-such-comparator/),
    });
  });
});

describe("scratch project", () => {
  it("requires the fleet's project by path, inherits its packages at their revisions, and shares its built packages", async () => {
    const project = join(dir, "proj");
    mkdirSync(join(project, ".lake", "packages"), { recursive: true });
    writeFileSync(join(project, "lean-toolchain"), "leanprover/lean4:v4.19.0\n");
    writeFileSync(join(project, "lakefile.lean"), "-- the fleet's project\n");
    const manifest = {
      version: "1.1.0",
      packagesDir: ".lake/packages",
      packages: [
        {
          url: "https://github.com/leanprover-community/mathlib4",
          type: "git",
          subDir: null,
          scope: "",
          rev: "c5ea00351c28e24afc9f0f84379aa41082b1188f",
          name: "mathlib",
          manifestFile: "lake-manifest.json",
          inputRev: "v4.19.0",
          inherited: false,
          configFile: "lakefile.lean",
        },
      ],
      name: "«my-project»",
      lakeDir: ".lake",
    };
    writeFileSync(join(project, "lake-manifest.json"), JSON.stringify(manifest));
    const s = await prepareScratch({
      projectDir: project,
      challenge: "C",
      solution: "S",
      config: { theorem_names: ["t"], permitted_axioms: [] },
    });
    try {
      expect(readFileSync(join(s.dir, "lakefile.toml"), "utf8")).toContain(
        `[[require]]\nname = "my-project"\npath = ${JSON.stringify(project)}`,
      );
      expect(readFileSync(join(s.dir, "lean-toolchain"), "utf8")).toBe("leanprover/lean4:v4.19.0\n");
      expect(readlinkSync(join(s.dir, ".lake", "packages"))).toBe(join(project, ".lake", "packages"));
      const m = JSON.parse(readFileSync(join(s.dir, "lake-manifest.json"), "utf8"));
      expect(m).toEqual(scratchManifest(project, manifest, "my-project"));
      expect(m.packages[0]).toMatchObject({
        type: "path",
        name: "my-project",
        dir: project,
        configFile: "lakefile.lean",
      });
      expect(m.packages[1]).toMatchObject({
        name: "mathlib",
        rev: "c5ea00351c28e24afc9f0f84379aa41082b1188f",
        inherited: true,
      });
    } finally {
      await s.remove();
    }
    expect(existsSync(s.dir)).toBe(false);
  });

  it("reads comparator's failure line", () => {
    expect(
      comparatorReason(
        "uncaught exception: Challenge and solution theorem statement do not match: 't'\n",
        "Building Challenge\n",
      ),
    ).toBe("Challenge and solution theorem statement do not match: 't'");
    expect(
      comparatorReason("", "Running Lean default kernel on solution.\nLean default kernel rejects the solution\n"),
    ).toBe("Lean default kernel rejects the solution");
  });
});
