// ReplPool against real double processes: prefix affinity for edited files, handle affinity, correct answers under
// concurrent load, bounded waiting, crash replacement, project invalidation, and no process left after close().
import { describe, expect, it } from "vitest";
import { defaultPoolSize, isProcessDead, parseReplConfig, ReplProtocolError } from "../../services/repl/index.js";
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

/** A file of `n` theorems under `import Mathlib`; `proof(i)` is theorem i's proof. */
function file(name: string, n: number, proof: (i: number) => string = () => "rfl"): string {
  return (
    "import Mathlib\n\n" +
    Array.from({ length: n }, (_, i) => `theorem ${name}_${i} : ${i} + 0 = ${i} := by\n  ${proof(i)}`).join("\n\n") +
    "\n"
  );
}

const COST = ["--stats", "--import-cost", "Mathlib=30:1", "--command-cost-ms", "1"];

describe("ReplPool scheduling", () => {
  it("sends an edited file to the REPL that elaborated its previous version, which elaborates only the edit", async () => {
    const pool = trackedPool(doubleCfg(COST), { size: 4, prewarmHeader: "import Mathlib" });
    await pool.start();
    const v1 = await pool.run({ cmd: file("a", 12) });
    expect(v1).toMatchObject({ status: "ok", rule: "header", reusedChars: "import Mathlib\n\n".length });
    // Other files land elsewhere (least recently used REPL with the header).
    const others = await Promise.all(["b", "c", "d"].map((n) => pool.run({ cmd: file(n, 12) })));
    expect(others.every((o) => o.status === "ok")).toBe(true);
    const home = pool.servers.find((s) => s.id === v1.replId)!;
    const before = await eventually(
      () => lastStats(home.stderrTail(8192)),
      (s) => s !== null && s.elaboratedCommands >= 12,
    );
    const v2text = file("a", 12, (i) => (i === 10 ? "simp" : "rfl"));
    const v2 = await pool.run({ cmd: v2text });
    notePids(pool);
    expect(v2).toMatchObject({ status: "ok", rule: "prefix", replId: v1.replId });
    expect(v2.reusedChars).toBe(v2text.indexOf("theorem a_10") - 2);
    const after = await eventually(
      () => lastStats(home.stderrTail(8192)),
      (s) => s !== null && s.elaboratedCommands > before!.elaboratedCommands,
    );
    expect(after!.elaboratedCommands - before!.elaboratedCommands).toBe(2); // a_10 and a_11 only
    expect(after!.importsLoaded).toBe(1); // the pre-warmed header, cached
    expect(pool.stats().rules.prefix).toBe(1);
  });

  it("answers 60 concurrent requests on 4 REPLs, each with its own answer", async () => {
    const pool = trackedPool(doubleCfg(["--command-cost-ms", "2"]), { size: 4 });
    const outcomes = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        pool.run({ cmd: `#eval ${i} * 1000 + ${i}\ntheorem t${i} (x : Nat) : x + ${i} = ${i} + x := by\n  sorry` }),
      ),
    );
    notePids(pool);
    outcomes.forEach((o, i) => {
      expect(o.status).toBe("ok");
      const v = o.response?.kind === "command" ? o.response.value : null;
      expect(v?.messages?.[0]?.data).toBe(String(i * 1000 + i));
      expect(v?.sorries?.[0]?.goal).toBe(`x : Nat\n⊢ x + ${i} = ${i} + x`);
      expect(o.simulated).toBe(true);
    });
    expect(new Set(outcomes.map((o) => o.replId)).size).toBe(4);
    expect(pool.stats()).toMatchObject({ size: 4, alive: 4, busy: 0, queued: 0 });
  });

  it("runs a request on the REPL holding its handle, waits for it while busy, and rebuilds it elsewhere after the bound", async () => {
    const pool = trackedPool(doubleCfg([]), { size: 2, affinityWaitMs: 300 });
    const made = await pool.run({ cmd: "def k : Nat := 7" }, { keep: true });
    const env = made.response?.kind === "command" ? (made.response.value.env as unknown as string) : "";
    expect(env).toMatch(/^env_[0-9a-f]{32}$/);
    const onIt = await pool.run({ cmd: "#check k", env });
    expect(onIt).toMatchObject({ status: "ok", rule: "handle", replId: made.replId });
    // Keep the holder busy: the next request on the handle waits about affinityWaitMs, then runs on the other REPL,
    // which rebuilds the handle by replaying its chain.
    const blocker = pool.run({ cmd: "-- @double sleep 1500\n#check 0", env });
    await new Promise((r) => setTimeout(r, 100));
    const t0 = Date.now();
    const moved = await pool.run({ cmd: "#check k", env });
    const waited = Date.now() - t0;
    expect(moved.status).toBe("ok");
    expect(moved.replId).not.toBe(made.replId);
    expect(moved.rule).toBe("any");
    expect(waited).toBeGreaterThanOrEqual(250);
    expect(moved.response?.kind === "command" && moved.response.value.messages?.[0]?.data).toBe("k : Nat");
    expect(await blocker).toMatchObject({ status: "ok", rule: "handle", replId: made.replId });
    notePids(pool);
  });

  it("rejects raw REPL ids in a pool of several REPLs (they name one process's state)", async () => {
    const pool = trackedPool(doubleCfg([]), { size: 2 });
    const o = await pool.run({ cmd: "#check 1", env: 0 });
    expect(o).toMatchObject({ status: "rejected", error: { code: "invalid_request", details: { field: "env" } } });
  });
});

describe("ReplPool back-pressure", () => {
  it("rejects with pool_exhausted when no REPL frees up within maxWaitMs, and at once past maxQueued", async () => {
    const pool = trackedPool(doubleCfg([]), { size: 1, maxWaitMs: 300, maxQueued: 2 });
    await pool.start();
    const slow = pool.run({ cmd: "-- @double sleep 2000\n#check 1" });
    await new Promise((r) => setTimeout(r, 50));
    const waiting = [pool.run({ cmd: "#check 2" }), pool.run({ cmd: "#check 3" })];
    const overflow = await pool.run({ cmd: "#check 4" });
    expect(overflow).toMatchObject({
      status: "rejected",
      error: { code: "pool_exhausted", details: { waitedMs: 0, queued: 2 } },
    });
    for (const o of await Promise.all(waiting)) {
      expect(o).toMatchObject({ status: "rejected", error: { code: "pool_exhausted" } });
      expect(o.error!.details!.waitedMs as number).toBeGreaterThanOrEqual(250);
    }
    expect((await slow).status).toBe("ok");
    expect((await pool.run({ cmd: "#check 5" })).status).toBe("ok");
    notePids(pool);
  });

  it("close() rejects waiting requests and leaves no REPL process", async () => {
    const pool = trackedPool(doubleCfg([]), { size: 2 });
    await pool.start();
    const pids = notePids(pool);
    expect(pids).toHaveLength(2);
    const running = [
      pool.run({ cmd: "-- @double hang\n#check 1" }),
      pool.run({ cmd: "-- @double sleep 5000\n#check 1" }),
    ];
    const waiting = pool.run({ cmd: "#check 2" });
    await new Promise((r) => setTimeout(r, 100));
    await pool.close();
    expect(await waiting).toMatchObject({ status: "rejected", error: { code: "repl_closed" } });
    for (const o of await Promise.all(running)) expect(o.status).toBe("rejected");
    expect(pids.every((p) => isProcessDead(p))).toBe(true);
    expect(await pool.run({ cmd: "#check 3" })).toMatchObject({ status: "rejected", error: { code: "repl_closed" } });
  });
});

describe("ReplPool supervision", () => {
  it("replaces a REPL that crashes (and re-warms it); the next requests succeed", async () => {
    const pool = trackedPool(doubleCfg(["--stats"]), { size: 2, prewarmHeader: "import Mathlib" });
    await pool.start();
    const before = notePids(pool);
    const crashed = await pool.run({ cmd: "import Mathlib\n-- @double crash\ntheorem t : True := trivial" });
    expect(crashed).toMatchObject({ status: "crashed", error: { code: "repl_crashed" }, attempts: 2 });
    const victim = pool.servers.find((s) => s.id === crashed.replId)!;
    const after = notePids(pool);
    expect(after).not.toEqual(before);
    expect(victim.isAlive).toBe(true);
    // Re-warmed: the replacement process (its stderr tail is its own) has answered a header-only pre-warm.
    const stats = await eventually(
      () => lastStats(victim.stderrTail(4096)),
      (st) => st !== null,
    );
    expect(stats).toMatchObject({ elaboratedCommands: 0, importsLoaded: 1 });
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) => pool.run({ cmd: `import Mathlib\n#eval ${i} + 1` })),
    );
    expect(results.map((o) => o.status)).toEqual(Array(6).fill("ok"));
    expect(pool.stats().restarts).toBeGreaterThanOrEqual(2);
    // The crashed processes are gone (the live ones are checked after close by the afterEach hook).
    const replaced = before.filter((p) => !after.includes(p));
    expect(replaced).toHaveLength(1);
    await eventually(
      () => isProcessDead(replaced[0]!),
      (d) => d,
    );
    expect(isProcessDead(replaced[0]!)).toBe(true);
  });

  it("gives the pre-warm its own time (prewarmTimeoutMs), not the per-request default: a slow header still loads", async () => {
    const slowImport = ["--stats", "--import-cost", "Mathlib=700:1"];
    const pool = trackedPool(doubleCfg(slowImport, { defaultTimeoutMs: 300 }), {
      size: 1,
      prewarmHeader: "import Mathlib",
    });
    await pool.start();
    const stats = await eventually(
      () => lastStats(pool.servers[0]!.stderrTail(4096)),
      (st) => st !== null,
    );
    expect(stats).toMatchObject({ importsLoaded: 1 });
    expect(pool.stats().restarts).toBe(0);
    // Bounded by prewarmTimeoutMs: a shorter one than the import takes kills the pre-warm (and restarts the REPL).
    const short = trackedPool(doubleCfg(slowImport), {
      size: 1,
      prewarmHeader: "import Mathlib",
      prewarmTimeoutMs: 200,
    });
    await short.start();
    expect(short.stats().restarts).toBeGreaterThanOrEqual(1);
  });

  it("invalidateProject restarts every REPL (imports are cached per process) and re-warms them", async () => {
    const pool = trackedPool(doubleCfg(["--stats"], { projectDir: "/tmp" }), {
      size: 2,
      prewarmHeader: "import Mathlib",
    });
    await pool.start();
    await pool.run({ cmd: file("x", 3) });
    const before = notePids(pool);
    expect(await pool.invalidateProject("/elsewhere")).toBe(0);
    expect(notePids(pool)).toEqual(before);
    expect(pool.index.size).toBeGreaterThan(0);
    expect(await pool.invalidateProject("/tmp")).toBe(2);
    const after = notePids(pool);
    expect(after.every((p) => !before.includes(p))).toBe(true);
    expect(pool.index.size).toBe(0);
    for (const p of before)
      await eventually(
        () => isProcessDead(p),
        (d) => d,
      );
    expect(before.every((p) => isProcessDead(p))).toBe(true);
    const o = await pool.run({ cmd: file("x", 3) });
    expect(o).toMatchObject({ status: "ok", rule: "header" });
  });

  it("recycles a REPL after maxRequestsPerRepl requests", async () => {
    const pool = trackedPool(doubleCfg([], { maxRequestsPerRepl: 3 }), { size: 1 });
    await pool.start();
    const first = notePids(pool);
    for (let i = 0; i < 3; i++) expect((await pool.run({ cmd: `#check ${i}` })).status).toBe("ok");
    const second = notePids(pool);
    expect(second).not.toEqual(first);
    expect(pool.stats().restarts).toBe(1);
  });
});

describe("ReplPool.withRepl", () => {
  it("restarts a REPL whose use threw a protocol error before anyone else gets it", async () => {
    const pool = trackedPool(doubleCfg([]), { size: 1 });
    await pool.start();
    const [before] = notePids(pool);
    await expect(
      pool.withRepl(async () => {
        throw new ReplProtocolError("garbled answer", "{not json");
      }),
    ).rejects.toBeInstanceOf(ReplProtocolError);
    const [after] = notePids(pool);
    expect(after).not.toBe(before);
    expect((await pool.run({ cmd: "#check 1" })).status).toBe("ok");
  });

  it("stops waiting when the caller aborts", async () => {
    const pool = trackedPool(doubleCfg([]), { size: 1 });
    await pool.start();
    const blocker = pool.run({ cmd: "-- @double sleep 1000\n#check 1" });
    await new Promise((r) => setTimeout(r, 50));
    const ac = new AbortController();
    const waiting = pool.run({ cmd: "#check 2" }, { signal: ac.signal });
    setTimeout(() => ac.abort(new Error("caller gave up")), 100);
    await expect(waiting).rejects.toThrow("caller gave up");
    expect(pool.stats().queued).toBe(0);
    expect((await blocker).status).toBe("ok");
    notePids(pool);
  });
});

describe("ReplPool without a REPL", () => {
  it("start() says what is missing; run() reports it as an outcome", async () => {
    const pool = trackedPool(parseReplConfig({ argv: ["/nonexistent/leanfleet-repl"], addressSpaceLimitMiB: null }), {
      size: 2,
    });
    await expect(pool.start()).rejects.toMatchObject({ code: "repl_setup" });
    const o = await pool.run({ cmd: "#check 1" });
    expect(o).toMatchObject({ status: "crashed", error: { code: "repl_setup" } });
  });
});

describe("defaultPoolSize", () => {
  it("is min(CPUs, 80% of container memory / per-REPL memory), at least 1", () => {
    const GiB = 1024 ** 3;
    expect(defaultPoolSize({ cpus: 16, containerMemoryBytes: 64 * GiB, perReplMemoryMiB: 8192 })).toBe(6);
    expect(defaultPoolSize({ cpus: 4, containerMemoryBytes: 64 * GiB, perReplMemoryMiB: 8192 })).toBe(4);
    expect(defaultPoolSize({ cpus: 4, containerMemoryBytes: 4 * GiB, perReplMemoryMiB: 8192 })).toBe(1);
    expect(defaultPoolSize({ cpus: 3, containerMemoryBytes: 1 * GiB, perReplMemoryMiB: null })).toBe(3);
  });
});
