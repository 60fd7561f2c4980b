// Parallel elaboration: `Elab.async` only for Lean >= 4.19, through a mechanism the REPL honours (the fork's
// setOptions on fresh sessions, an inline set_option on the upstream REPL), never overriding the caller's choice.
import { describe, expect, it, vi } from "vitest";
import { LeanServer, type ReplResponse, type RunOptions } from "../../services/repl/index.js";
import { splitSource } from "../../services/repl/reuse/command-split.js";
import { augmentForRepl } from "../../services/repl/server/augment.js";
import {
  applyParallelElaboration,
  insertElabAsync,
  type ElabOptionsContext,
} from "../../services/repl/server/elab-options.js";
import {
  closePoolsAfterEach,
  doubleCfg,
  eventually,
  lastStats,
  notePids,
  tracker,
  trackedPool,
} from "./pool-support.js";

closePoolsAfterEach();

const fork = (leanVersion: string | null): ElabOptionsContext => ({
  enableParallelElaboration: true,
  leanVersion,
  replSupportsIncrementality: true,
});
const upstream = (leanVersion: string | null): ElabOptionsContext => ({
  ...fork(leanVersion),
  replSupportsIncrementality: false,
});
const ASYNC: [string[], boolean] = [["Elab", "async"], true];

describe("applyParallelElaboration (the request put on the wire)", () => {
  it("adds setOptions Elab.async on a fresh fork command for Lean 4.19+ only", () => {
    expect(applyParallelElaboration({ cmd: "#check 1" }, fork("4.19.0")).request).toEqual({
      cmd: "#check 1",
      setOptions: [ASYNC],
    });
    expect(applyParallelElaboration({ cmd: "#check 1" }, fork("4.20.0-rc1")).request).toEqual({
      cmd: "#check 1",
      setOptions: [ASYNC],
    });
    expect(applyParallelElaboration({ path: "A.lean" }, fork("v4.19.0")).request).toEqual({
      path: "A.lean",
      setOptions: [ASYNC],
    });
    for (const v of ["4.18.0", "4.9.1", null]) {
      expect(applyParallelElaboration({ cmd: "#check 1" }, fork(v)).request).toEqual({ cmd: "#check 1" });
    }
    expect(
      applyParallelElaboration({ cmd: "#check 1" }, { ...fork("4.19.0"), enableParallelElaboration: false }).request,
    ).toEqual({ cmd: "#check 1" });
    // Commands on an env inherit the option from the fresh command that made it; tactics are left alone.
    expect(applyParallelElaboration({ cmd: "#check 1", env: 0 }, fork("4.19.0")).request).toEqual({
      cmd: "#check 1",
      env: 0,
    });
    expect(applyParallelElaboration({ tactic: "rfl", proofState: 0 }, fork("4.19.0")).request).toEqual({
      tactic: "rfl",
      proofState: 0,
    });
  });

  it("inserts `set_option Elab.async true` after the header on the upstream REPL (4.19+ only)", () => {
    const plan = applyParallelElaboration({ cmd: "import Mathlib\ntheorem t : True := trivial" }, upstream("4.19.0"));
    expect(plan.request).toEqual({ cmd: "import Mathlib\nset_option Elab.async true\ntheorem t : True := trivial" });
    expect(plan.positions?.mapPos({ line: 3, column: 8 }).pos).toEqual({ line: 2, column: 8 });
    expect(applyParallelElaboration({ cmd: "theorem t : True := trivial" }, upstream("4.19.0")).request).toEqual({
      cmd: "set_option Elab.async true\ntheorem t : True := trivial",
    });
    expect(applyParallelElaboration({ cmd: "import Mathlib" }, upstream("4.19.0")).request).toEqual({
      cmd: "import Mathlib\nset_option Elab.async true",
    });
    expect(applyParallelElaboration({ cmd: "import Mathlib\n#check 1" }, upstream("4.18.0")).request).toEqual({
      cmd: "import Mathlib\n#check 1",
    });
  });

  it("honours the caller's own choice instead of overwriting it", () => {
    // Inline set_option in the text: untouched.
    const inline = { cmd: "set_option Elab.async false in\ntheorem t : True := trivial" };
    expect(applyParallelElaboration(inline, fork("4.19.0")).request).toBe(inline);
    // setOptions Elab.async false: applied inline (the REPL may ignore setOptions on a cached header), while the
    // header cache keeps LeanFleet's default.
    const plan = applyParallelElaboration(
      {
        cmd: "import Mathlib\n#check 1",
        setOptions: [
          [["Elab", "async"], false],
          [["pp", "all"], true],
        ],
      },
      fork("4.19.0"),
    );
    expect(plan.request).toEqual({
      cmd: "import Mathlib\nset_option Elab.async false\n#check 1",
      setOptions: [ASYNC, [["pp", "all"], true]],
    });
    // On an env (setOptions ignored by the REPL there) the override is inlined at the start.
    expect(
      applyParallelElaboration({ cmd: "#check 1", env: 2, setOptions: [[["Elab", "async"], false]] }, fork("4.19.0"))
        .request,
    ).toEqual({
      cmd: "set_option Elab.async false\n#check 1",
      env: 2,
      setOptions: [[["Elab", "async"], false]],
    });
  });
});

describe("one parse per request: a split already made is reused for its own text only", () => {
  const text = "import Mathlib\n#check 1";
  // Deliberately not the text's own split (its header ends at 15): honoured only if it is reused, not recomputed.
  const known = { text, split: { ...splitSource(text), headerEnd: 0 } };

  it("insertElabAsync uses the split for the same string and splits any other string itself", () => {
    expect(splitSource(text).headerEnd).toBe(15);
    expect(insertElabAsync(text, true, known).sent).toBe("set_option Elab.async true\nimport Mathlib\n#check 1");
    expect(insertElabAsync(text, true).sent).toBe("import Mathlib\nset_option Elab.async true\n#check 1");
    const other = "import Mathlib\n#check 2";
    expect(insertElabAsync(other, true, known).sent).toBe("import Mathlib\nset_option Elab.async true\n#check 2");
  });

  it("reaches insertElabAsync through augmentForRepl and applyParallelElaboration", () => {
    const ctx = { ...upstream("4.19.0"), enableIncrementalOptimization: false };
    expect(augmentForRepl({ cmd: text }, ctx, known).request).toEqual({
      cmd: "set_option Elab.async true\nimport Mathlib\n#check 1",
    });
    expect(augmentForRepl({ cmd: "import Mathlib\n#check 2" }, ctx, known).request).toEqual({
      cmd: "import Mathlib\nset_option Elab.async true\n#check 2",
    });
    const override = { cmd: text, env: 3, setOptions: [[["Elab", "async"], false]] as [string[], boolean][] };
    expect(applyParallelElaboration(override, upstream("4.19.0"), known).request).toMatchObject({
      cmd: "set_option Elab.async false\nimport Mathlib\n#check 1",
    });
  });

  it("the pool hands its split of the command to the server that runs it", async () => {
    const pool = trackedPool(doubleCfg(["--lean-version", "4.19.0"]), { size: 1 });
    await pool.start();
    const run = vi.spyOn(pool.servers[0]!, "run");
    const outcome = await pool.run({ cmd: text });
    notePids(pool);
    expect(outcome.status).toBe("ok");
    const options = run.mock.calls.find(([r]) => "cmd" in r && r.cmd === text)?.[1] as RunOptions | undefined;
    expect(options?.split).toEqual(splitSource(text));
  });
});

/** Messages and sorries of an answer, without per-process ids. */
function observable(r: ReplResponse | undefined): unknown {
  return JSON.parse(JSON.stringify(r?.value ?? null, (k, v) => (k === "env" || k === "proofState" ? undefined : v)));
}

describe("Elab.async through the pool, observed on the double", () => {
  it.each([
    ["4.19.0", 1],
    ["4.18.0", 0],
  ])("Lean %s: fresh requests carry Elab.async %d time(s) per request", async (version, perRequest) => {
    const pool = trackedPool(doubleCfg(["--stats", "--lean-version", version]), { size: 1 });
    const a = await pool.run({ cmd: "theorem a : 1 = 1 := rfl" });
    const b = await pool.run({ cmd: "theorem b : 2 = 2 := rfl" });
    const c = await pool.run({ cmd: "#check 1" });
    notePids(pool);
    expect([a.status, b.status, c.status]).toEqual(["ok", "ok", "ok"]);
    const stats = await eventually(
      () => lastStats(pool.servers[0]!.stderrTail(4096)),
      (s) => s !== null && s.elaboratedCommands >= 3,
    );
    expect(stats!.elabAsync).toBe(3 * perRequest);
  });

  it("keeps the caller's positions when an override is inlined (same answer as sending the text unchanged)", async () => {
    const cfg = doubleCfg(["--lean-version", "4.19.0"]);
    const pool = trackedPool(cfg, { size: 1 });
    const reference = new LeanServer(cfg);
    try {
      const cmd = "import Mathlib\ntheorem t (x : Nat) : x = x := by\n  sorry\n#check 1\n";
      const viaPool = await pool.run({ cmd, setOptions: [[["Elab", "async"], false]] });
      const direct = await reference.run({ cmd });
      tracker.add(reference.pid);
      notePids(pool);
      expect(viaPool.status).toBe("ok");
      expect(observable(viaPool.response)).toEqual(observable(direct.response));
    } finally {
      tracker.add(reference.pid);
      await reference.close();
    }
  });
});
