// Behaviour of the REPL double itself: every directive, the cost model (imports, commands, incrementality reuse),
// id counters and framing edge cases, each against a real child process that is gone after the test.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import {
  isDead,
  killAllDoubles,
  processGroupOf,
  rssKiB,
  splitResponses,
  startDouble,
  type DoubleProcess,
} from "../fixtures/double-process.js";

const workDir = fs.mkdtempSync(path.join(os.tmpdir(), "leanfleet-double-"));
let extraPids: number[] = [];

afterEach(async () => {
  const survivors = await killAllDoubles(extraPids);
  extraPids = [];
  expect(survivors, "processes left alive").toEqual([]);
});
afterAll(() => fs.rmSync(workDir, { recursive: true, force: true }));

interface Stats {
  elaboratedCommands: number;
  elaboratedChars: number;
  importsLoaded: number;
  costMs: number;
  elabAsync: number;
}

/** A double plus a request/response helper. */
function open(args: string[] = []): {
  d: DoubleProcess;
  ask: (req: unknown) => Promise<Record<string, unknown>>;
  stats: () => Promise<Stats>;
} {
  const d = startDouble(["--no-transcripts", ...args], { cwd: workDir });
  let sent = 0;
  return {
    d,
    ask: async (req) => {
      d.write(`${JSON.stringify(req)}\n\n`);
      sent++;
      const all = await d.responses(sent, 20_000);
      return all[sent - 1] as Record<string, unknown>;
    },
    stats: async () => {
      const re = /@double-stats (\{.*\})\n/g;
      for (let i = 0; i < 200; i++) {
        const lines = [...d.stderr().matchAll(re)];
        if (lines.length >= sent) return JSON.parse(lines[sent - 1]![1]!) as Stats;
        await new Promise((r) => setTimeout(r, 10));
      }
      throw new Error(`no stats line for request ${sent}: ${d.stderr()}`);
    },
  };
}

function cpuMs(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return ((Number(f[11]) + Number(f[12])) * 1000) / 100;
}

describe("flags", () => {
  it("--version prints the simulated Lean version and exits 0", async () => {
    const d = startDouble(["--version", "--lean-version", "4.21.0"]);
    expect(await d.exited).toEqual({ code: 0, signal: null });
    expect(d.stdout()).toBe("Lean (version 4.21.0, simulated REPL double)\n");
  });
  it("refuses an unknown flag with exit 2", async () => {
    const d = startDouble(["--bogus"]);
    expect((await d.exited).code).toBe(2);
    expect(d.stderr()).toMatch(/unknown flag '--bogus'/);
  });
});

describe("directives", () => {
  it("sleep delays the answer", async () => {
    const { ask } = open();
    await ask({ cmd: "#check 0" });
    const t0 = performance.now();
    const r = await ask({ cmd: "theorem t : 1 = 1 := by\n  -- @double sleep 600\n  rfl" });
    expect(performance.now() - t0).toBeGreaterThanOrEqual(550);
    expect(r).toEqual({ env: 1 });
  });

  it("cpu burns CPU time in the double", async () => {
    const { d, ask } = open();
    await ask({ cmd: "#check 0" });
    const before = cpuMs(d.pid);
    await ask({ cmd: "-- @double cpu 400\n#check 1" });
    expect(cpuMs(d.pid) - before).toBeGreaterThanOrEqual(300);
  });

  it("alloc raises VmRSS and keeps it", async () => {
    const { d, ask } = open();
    await ask({ cmd: "#check 0" });
    const before = rssKiB(d.pid);
    await ask({ cmd: "#check 1\n-- @double alloc 200" });
    expect(rssKiB(d.pid) - before).toBeGreaterThanOrEqual(180 * 1024);
    await ask({ cmd: "#check 2" });
    expect(rssKiB(d.pid) - before).toBeGreaterThanOrEqual(180 * 1024);
  });

  it("error puts an error message at the directive's line (and a Lean error in tactic mode)", async () => {
    const { ask } = open();
    const r = await ask({ cmd: "theorem t : 1 = 1 := by\n  sorry\n\ndef x := 1\n  -- @double error no good" });
    const messages = r.messages as Array<{ severity: string; pos: { line: number }; data: string }>;
    expect(messages.map((m) => [m.severity, m.pos.line, m.data])).toEqual([
      ["warning", 1, "declaration uses `sorry`"],
      ["error", 5, "no good"],
    ]);
    const t = await ask({ tactic: "skip\n-- @double error stuck", proofState: 0 });
    expect(t).toEqual({ message: "Lean error:\n<input>:2:0: stuck" });
    // A thrown tactic error consumes no proof state id.
    expect(await ask({ tactic: "rfl", proofState: 0 })).toMatchObject({ proofState: 1, proofStatus: "Completed" });
  });

  it("crash exits 134 mid-response with a panic on stderr", async () => {
    const { d } = open();
    d.write(`${JSON.stringify({ cmd: "#check 1\n-- @double crash" })}\n\n`);
    expect(await d.exited).toEqual({ code: 134, signal: null });
    expect(d.stdout().length).toBeGreaterThan(0);
    expect(splitResponses(d.stdout())).toEqual([]);
    expect(d.stderr()).toMatch(/PANIC/);
  });

  it("exit ends the process with status 0 and no answer", async () => {
    const { d, ask } = open();
    await ask({ cmd: "#check 1" });
    d.write(`${JSON.stringify({ cmd: "-- @double exit\n#check 2" })}\n\n`);
    expect(await d.exited).toEqual({ code: 0, signal: null });
    expect(splitResponses(d.stdout())).toHaveLength(1);
  });

  it("hang never answers; a group kill ends it", async () => {
    const { d, ask } = open();
    await ask({ cmd: "#check 1" });
    d.write(`${JSON.stringify({ cmd: "#check 2\n-- @double hang" })}\n\n`);
    d.write(`${JSON.stringify({ cmd: "#check 2" })}\n\n`);
    await expect(d.responses(2, 1000)).rejects.toThrow(/timed out/);
    expect(isDead(d.pid)).toBe(false);
    d.killGroup();
    expect((await d.exited).signal).toBe("SIGKILL");
  });

  it("stderr writes that many bytes, then answers", async () => {
    const { d, ask } = open();
    const r = await ask({ cmd: "-- @double stderr 300000\n#check 1" });
    expect(r.env).toBe(0);
    expect(d.stderr().length).toBe(300000);
  });

  it("grandchild lives in the double's process group, survives a SIGKILL of the double alone, dies with the group", async () => {
    const { d, ask } = open();
    await ask({ cmd: "-- @double grandchild\n#check 1" });
    const [, pidText] = (await d.waitStderr(/@double grandchild (\d+)\n/))!;
    const grandchild = Number(pidText);
    extraPids.push(grandchild);
    expect(isDead(grandchild)).toBe(false);
    expect(processGroupOf(grandchild)).toBe(processGroupOf(d.pid));
    expect(processGroupOf(d.pid)).toBe(d.pid);
    process.kill(d.pid, "SIGKILL");
    await d.exited;
    await new Promise((r) => setTimeout(r, 300));
    expect(isDead(grandchild)).toBe(false);
    process.kill(-d.pid, "SIGKILL");
    const deadline = Date.now() + 5000;
    while (!isDead(grandchild) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    expect(isDead(grandchild)).toBe(true);
  });

  it("ignore-sigterm survives SIGTERM and keeps answering", async () => {
    const { d, ask } = open();
    await ask({ cmd: "-- @double ignore-sigterm\n#check 1" });
    process.kill(d.pid, "SIGTERM");
    await d.waitStderr(/@double ignored SIGTERM/);
    await new Promise((r) => setTimeout(r, 300));
    expect(isDead(d.pid)).toBe(false);
    expect(await ask({ cmd: "#check 2" })).toMatchObject({ env: 1 });
  });

  it("without ignore-sigterm, SIGTERM ends the double", async () => {
    const { d, ask } = open();
    await ask({ cmd: "#check 1" });
    process.kill(d.pid, "SIGTERM");
    expect((await d.exited).signal).toBe("SIGTERM");
  });
});

describe("cost model", () => {
  it("imports cost time and really allocated memory; every fresh cmd reloads them", async () => {
    const { d, ask, stats } = open(["--stats", "--import-cost", "Big=400:150", "--default-import-cost", "0:0"]);
    await ask({ cmd: "#check 0" });
    const rss0 = rssKiB(d.pid);
    const t0 = performance.now();
    expect(await ask({ cmd: "import Big\nimport Small\n#check 1" })).toMatchObject({ env: 1 });
    expect(performance.now() - t0).toBeGreaterThanOrEqual(350);
    expect(rssKiB(d.pid) - rss0).toBeGreaterThanOrEqual(140 * 1024);
    expect(await stats()).toMatchObject({ importsLoaded: 2, costMs: 400 });
    await ask({ cmd: "import Big\n#check 2" });
    expect(await stats()).toMatchObject({ importsLoaded: 3, costMs: 800 });
    // With env, an import is a Lean error, charged nothing.
    const r = await ask({ cmd: "import Big", env: 1 });
    expect(r.messages).toEqual([
      expect.objectContaining({ severity: "error", data: expect.stringContaining("invalid 'import' command") }),
    ]);
    expect(await stats()).toMatchObject({ importsLoaded: 3, costMs: 800 });
  });

  it("submodules use the package's cost; --command-cost-ms charges each command", async () => {
    const { ask, stats } = open(["--stats", "--import-cost", "Mathlib=20:0", "--command-cost-ms", "30"]);
    await ask({ cmd: "import Mathlib.Data.Nat\ndef a := 1\ndef b := 2\n#eval a" });
    expect(await stats()).toMatchObject({ importsLoaded: 1, elaboratedCommands: 3, costMs: 20 + 3 * 30 });
  });

  it("incrementality reuses the longest elaborated prefix and the loaded header", async () => {
    const { ask, stats } = open(["--stats", "--import-cost", "Mathlib=100:0", "--command-cost-ms", "40"]);
    const file = (last: string) =>
      `import Mathlib\ntheorem a : 1 = 1 := by decide\ndef fib : Nat → Nat\n  | 0 => 0\n  | n + 1 => n\n\n#eval fib 5\n${last}`;
    await ask({ cmd: file("theorem foo : 2 = 2 := rfl"), incrementality: true });
    expect(await stats()).toMatchObject({ importsLoaded: 1, elaboratedCommands: 4, costMs: 100 + 4 * 40 });
    await ask({ cmd: file("theorem foo2 : 3 = 3 := rfl"), incrementality: true });
    expect(await stats()).toMatchObject({ importsLoaded: 1, elaboratedCommands: 5, costMs: 100 + 5 * 40 });
    await ask({ cmd: "import Mathlib\n-- only a comment", incrementality: true });
    expect(await stats()).toMatchObject({ importsLoaded: 1, elaboratedCommands: 5 });
    // Without incrementality everything is charged again.
    await ask({ cmd: file("theorem foo2 : 3 = 3 := rfl") });
    expect(await stats()).toMatchObject({ importsLoaded: 2, elaboratedCommands: 9, costMs: 2 * 100 + 9 * 40 });
    // Reuse is per base env: the same text on env 0 is new work.
    await ask({ cmd: "def z := 0\ndef y := 1", env: 0, incrementality: true });
    await ask({ cmd: "def z := 0\ndef y := 2", env: 0, incrementality: true });
    await ask({ cmd: "def z := 0\ndef y := 2", env: 1, incrementality: true });
    expect(await stats()).toMatchObject({ elaboratedCommands: 9 + 2 + 1 + 2 });
  });

  it("records setOptions Elab.async and answers declarations", async () => {
    const { ask, stats } = open(["--stats"]);
    const r = await ask({
      cmd: "theorem t (n : Nat) : n + 0 = n := by simp\ndef k : Nat := 3",
      setOptions: [[["Elab", "async"], true]],
      declarations: true,
    });
    expect(r.declarations).toEqual([
      expect.objectContaining({ name: "t", kind: "theorem" }),
      expect.objectContaining({ name: "k", kind: "definition" }),
    ]);
    expect(await stats()).toMatchObject({ elabAsync: 1 });
  });
});

describe("model and counters", () => {
  it("numbers envs and proof states like the REPL; errors consume no id", async () => {
    const { ask } = open();
    const r0 = await ask({ cmd: "theorem t (x : Nat) (h : x > 0) : x ≠ 0 := by\n  sorry\nexample : 1 = 1 := sorry" });
    expect(r0).toEqual({
      env: 0,
      sorries: [
        {
          proofState: 0,
          goal: "x : Nat\nh : x > 0\n⊢ x ≠ 0",
          pos: { line: 2, column: 2 },
          endPos: { line: 2, column: 7 },
        },
        { proofState: 1, goal: "⊢ 1 = 1", pos: { line: 3, column: 19 }, endPos: { line: 3, column: 24 } },
      ],
      messages: [
        {
          severity: "warning",
          pos: { line: 1, column: 8 },
          endPos: { line: 1, column: 9 },
          data: "declaration uses `sorry`",
        },
        {
          severity: "warning",
          pos: { line: 3, column: 0 },
          endPos: { line: 3, column: 7 },
          data: "declaration uses `sorry`",
        },
      ],
    });
    expect(await ask({ cmd: "#check t", env: 7 })).toEqual({ message: "Unknown environment." });
    expect(await ask({ tactic: "rfl", proofState: 9 })).toEqual({ message: "Unknown proof state." });
    expect(await ask({ pickleTo: "x.olean", proofState: 9 })).toEqual({ message: "Unknown proof State." });
    expect(await ask({ tactic: "exat 42", proofState: 0 })).toEqual({
      message: "Lean error:\n<input>:1:1: unknown tactic",
    });
    expect(await ask({ cmd: "#eval 2 + 3 * 4", env: 0 })).toMatchObject({
      env: 1,
      messages: [expect.objectContaining({ severity: "info", data: "14" })],
    });
    expect(await ask({ tactic: "have h2 : x ≥ 1 := sorry", proofState: 0 })).toEqual({
      sorries: [{ proofState: 2, goal: "x : Nat\nh : x > 0\n⊢ x ≥ 1" }],
      proofStatus: "Incomplete: open goals remain",
      proofState: 3,
      goals: ["x : Nat\nh : x > 0\nh2 : x ≥ 1\n⊢ x ≠ 0"],
    });
    expect(await ask({ tactic: "omega", proofState: 3 })).toEqual({
      proofStatus: "Incomplete: contains sorry",
      proofState: 4,
      goals: [],
    });
    expect(await ask({ tactic: "intro hx", proofState: 0 })).toMatchObject({
      proofState: 5,
      proofStatus: "Incomplete: open goals remain",
    });
    expect(await ask({ tactic: "exact Nat.pos_iff_ne_zero.mp h", proofState: 0 })).toEqual({
      proofStatus: "Completed",
      proofState: 6,
      goals: [],
    });
    expect(await ask({ pickleTo: "t.olean", env: 1 })).toEqual({ env: 1 });
    expect(await ask({ unpickleEnvFrom: "t.olean" })).toEqual({ env: 2 });
    expect(await ask({ pickleTo: "s.olean", proofState: 3 })).toMatchObject({ proofState: 7 });
    expect(await ask({ unpickleProofStateFrom: "s.olean", env: 2 })).toMatchObject({
      proofState: 8,
      goals: ["x : Nat\nh : x > 0\nh2 : x ≥ 1\n⊢ x ≠ 0"],
    });
    expect(await ask({ path: "nope.lean" })).toEqual({ message: expect.stringContaining("no such file or directory") });
    fs.writeFileSync(path.join(workDir, "f.lean"), "def fromFile := 5\n#check fromFile");
    expect(await ask({ path: "f.lean", env: 2 })).toMatchObject({
      env: 3,
      messages: [expect.objectContaining({ pos: { line: 2, column: 0 }, data: "fromFile : Nat" })],
    });
  });

  it("unpickling a missing or foreign file is fatal, like the REPL", async () => {
    fs.writeFileSync(path.join(workDir, "garbage.olean"), "not a pickle");
    for (const req of [{ unpickleEnvFrom: "absent.olean" }, { unpickleProofStateFrom: "garbage.olean" }]) {
      const d = startDouble(["--no-transcripts"], { cwd: workDir });
      d.write(`${JSON.stringify(req)}\n\n`);
      expect((await d.exited).code).toBe(1);
      expect(d.stderr()).toMatch(/^uncaught exception: /);
      expect(d.stdout()).toBe("");
    }
  });

  it("continues from the model after leaving a replayed transcript, with consistent ids", async () => {
    const d = startDouble([], { cwd: workDir });
    d.write('{"cmd" : "def f : Nat := by sorry"}\n\n{"tactic": "apply Int.natAbs", "proofState": 0}\n\n');
    d.write('{"tactic": "exact (42 : Int)", "proofState": 1}\n\n{"cmd": "#check f", "env": 0}\n\n');
    d.end();
    const [, step, next, check] = (await d.responses(4)) as Array<Record<string, unknown>>;
    expect(step).toEqual({ proofStatus: "Incomplete: open goals remain", proofState: 1, goals: ["⊢ Int"] });
    expect(next).toEqual({ proofStatus: "Completed", proofState: 2, goals: [] });
    expect(check).toMatchObject({ env: 1, messages: [expect.objectContaining({ data: "f : Nat" })] });
    expect(await d.exited).toEqual({ code: 0, signal: null });
  });
});

describe("framing", () => {
  it("joins right-trimmed lines, skips comment blocks, accepts CRLF and whitespace-only blank lines, answers at EOF", async () => {
    const d = startDouble(["--no-transcripts"], { cwd: workDir });
    d.write('-- a comment block\n{"not": "parsed"\n\n# another\n\n');
    d.write('{"cmd":\r\n  "#check 1"}\r\n\r\n{"cmd": "#check 2",  \n "env": 0}\n \t \n{"cmd": "#check 3", "env": 1}');
    d.end();
    expect(await d.exited).toEqual({ code: 0, signal: null });
    expect(splitResponses(d.stdout()).map((c) => (JSON.parse(c) as { env: number }).env)).toEqual([0, 1, 2]);
    expect(d.stdout().endsWith("}\n\n")).toBe(true);
  });

  it("exits 0 at EOF before a request and prints keys in reverse lexicographic order", async () => {
    const d = startDouble(["--no-transcripts"], { cwd: workDir });
    d.write('{"cmd": "theorem q : 2 = 2 := sorry"}\n\n');
    d.end();
    expect(await d.exited).toEqual({ code: 0, signal: null });
    const text = splitResponses(d.stdout())[0]!;
    expect(text.indexOf('"sorries"')).toBeLessThan(text.indexOf('"messages"'));
    expect(text.indexOf('"messages"')).toBeLessThan(text.indexOf('"env"'));
    expect(text).toContain('"proofState":0,"pos"');
  });
});
