// AutoLeanServer against the REPL double: outcomes as data, crash retry, timeouts reported (never retried),
// restarts before memory limits (with backoff, then giving up), recycling, augmentation, and no leftover process.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import {
  AutoLeanServer,
  parseReplConfig,
  type AutoLeanServerOptions,
  type LeanReplConfig,
  type MemoryProbe,
} from "../../services/repl/index.js";
import { augmentRequest, type AugmentContext } from "../../services/repl/server/augment.js";
import { createSystemMemoryProbe, systemMemoryProbe } from "../../services/repl/server/memory-probe.js";
import { closeAllAndExpectDead, PidTracker } from "./lean-server-support.js";
import { DOUBLE_PATH, doubleConfig, type DoubleConfigOptions } from "../support/double.js";

const tracker = new PidTracker();
const servers: AutoLeanServer[] = [];
const tmp = mkdtempSync(join(tmpdir(), "leanfleet-auto-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function config(overrides: DoubleConfigOptions = {}): LeanReplConfig {
  return doubleConfig({
    flags: ["--no-transcripts"],
    killGraceMs: 300,
    restartBackoffMs: 20,
    defaultTimeoutMs: 15_000,
    ...overrides,
  });
}

function auto(cfg: LeanReplConfig = config(), opts: AutoLeanServerOptions = {}): AutoLeanServer {
  const s = new AutoLeanServer(cfg, opts);
  servers.push(s);
  s.on("restart", () => tracker.add(s.pid));
  return s;
}

afterEach(() => closeAllAndExpectDead(servers, tracker));

describe("AutoLeanServer outcomes", () => {
  it("returns ok outcomes with the REPL's answer, marked simulated", async () => {
    const s = auto(config(), { id: "repl-7" });
    const o = await s.run({ cmd: "theorem t : 1 = 1 := by sorry" });
    tracker.add(s.pid);
    expect(o).toMatchObject({
      status: "ok",
      attempts: 1,
      replId: "repl-7",
      simulated: true,
      rule: "any",
      reusedChars: 0,
    });
    expect(o.response?.kind).toBe("command");
    expect(o.durationMs).toBeGreaterThan(0);
    const err = await s.run({ tactic: "frobnicate", proofState: 0 });
    expect(err.status).toBe("ok"); // a REPL-level error answer is still an answer
    expect(err.response?.kind).toBe("error");
    expect(s.stats().requests).toBe(2);
  });

  it("serves 50 concurrent callers in call order, each with its own outcome", async () => {
    const s = auto();
    const outcomes = await Promise.all(Array.from({ length: 50 }, (_, i) => s.run({ cmd: `#check ${i + 500}` })));
    tracker.add(s.pid);
    outcomes.forEach((o, i) => {
      expect(o.status).toBe("ok");
      if (o.response?.kind !== "command") throw new Error("expected a command answer");
      expect(o.response.value.env).toBe(i);
      expect(o.response.value.messages?.[0]?.data).toBe(`${i + 500} : Nat`);
    });
  });

  it("rejects invalid requests and keep on raw ids without touching the REPL", async () => {
    const s = auto();
    const bad = await s.run({ cmd: "#check 1", env: 1.5 });
    expect(bad).toMatchObject({ status: "rejected", error: { code: "invalid_request" }, attempts: 0 });
    const raw = await s.run({ cmd: "#check 1", env: 0 }, { keep: true });
    expect(raw).toMatchObject({ status: "rejected", error: { code: "invalid_request", details: { field: "env" } } });
    expect(s.pid).toBeNull();
  });

  it("a timeout is reported, never retried, and the REPL is restarted for the next request", async () => {
    const s = auto();
    await s.start();
    const firstPid = s.pid;
    tracker.add(firstPid);
    const t0 = Date.now();
    const o = await s.run({ cmd: "-- @double hang\n#check 1" }, { timeoutMs: 800 });
    expect(Date.now() - t0).toBeLessThan(800 + 2000);
    expect(o).toMatchObject({
      status: "timeout",
      attempts: 1,
      error: { code: "repl_timeout", details: { timeoutMs: 800 } },
    });
    expect(s.isAlive).toBe(true);
    expect(s.pid).not.toBe(firstPid);
    expect(s.stats()).toMatchObject({ timeouts: 1, crashes: 0, crashRetries: 0 });
    expect(s.stats().restartsByReason.timeout).toBe(1);
    expect((await s.run({ cmd: "#check 1" })).status).toBe("ok");
  });

  it("a request that always crashes is retried maxCrashRetries times, then reported with exit code and stderr", async () => {
    const s = auto(config({ maxCrashRetries: 2 }));
    const crashes: number[] = [];
    s.on("crash", ({ attempt }) => crashes.push(attempt));
    const o = await s.run({ cmd: "#check 1\n-- @double crash" }, { timeoutMs: 5000 });
    expect(o).toMatchObject({
      status: "crashed",
      attempts: 3,
      error: { code: "repl_crashed", details: { exitCode: 134 } },
    });
    expect(String(o.error?.details?.stderrTail)).toContain("INTERNAL PANIC");
    expect(crashes).toEqual([1, 2, 3]);
    expect(s.stats()).toMatchObject({ crashes: 3, crashRetries: 2 });
    expect((await s.run({ cmd: "#check 1" })).status).toBe("ok");
  });

  it("a request whose REPL dies once is retried on a fresh REPL and served (attempts 2)", async () => {
    // The first process spawned crashes (exit 134) when the request arrives; later spawns run the double.
    const marker = join(tmp, "crashed-once");
    const script = `if [ -e "${marker}" ]; then exec "$0" "$@"; fi; touch "${marker}"; read line; echo "INTERNAL PANIC: first REPL dies" >&2; exit 134`;
    const base = config();
    const s = auto(
      parseReplConfig({
        ...base,
        argv: [
          "/bin/sh",
          "-c",
          script,
          process.execPath,
          "--disable-warning=ExperimentalWarning",
          DOUBLE_PATH,
          "--no-transcripts",
        ],
      }),
    );
    const o = await s.run({ cmd: "#check 41" });
    expect(o).toMatchObject({ status: "ok", attempts: 2 });
    expect(o.response?.kind === "command" && o.response.value.messages?.[0]?.data).toBe("41 : Nat");
    expect(s.stats()).toMatchObject({ crashes: 1, crashRetries: 1 });
    expect(s.stats().restartsByReason.crash).toBe(1);
  });

  it("a leaking REPL is restarted before its limit, and every request is served", async () => {
    // ~80 MiB at start, +40 MiB per request; restarted once it passes 0.5 x 400 MiB, long before the 400 MiB kill.
    const s = auto(config({ memoryHardLimitMiB: 400, maxProcessMemory: 0.5, rssSampleIntervalMs: 50 }));
    const peaks: number[] = [];
    for (let i = 0; i < 8; i++) {
      const o = await s.run({ cmd: `-- @double alloc 40\n#check ${i}` });
      tracker.add(s.pid);
      expect(o).toMatchObject({ status: "ok", attempts: 1 });
      if (o.peakRssBytes !== null) peaks.push(o.peakRssBytes);
    }
    const stats = s.stats();
    expect(stats.restartsByReason["process-memory"]).toBeGreaterThanOrEqual(1);
    expect(stats.crashes).toBe(0);
    expect(Math.max(...peaks)).toBeLessThan(400 * 1024 * 1024);
  });

  it("a request that passes the hard limit is killed by the watchdog and reported after its retries", async () => {
    const s = auto(config({ memoryHardLimitMiB: 250, rssSampleIntervalMs: 50, maxCrashRetries: 1 }));
    const o = await s.run({ cmd: "-- @double alloc 400\n-- @double sleep 2000\n#check 1" }, { timeoutMs: 10_000 });
    expect(o).toMatchObject({
      status: "crashed",
      attempts: 2,
      error: { code: "repl_memory_limit", details: { limitMiB: 250 } },
    });
    expect(o.peakRssBytes).toBeGreaterThan(250 * 1024 * 1024);
    expect((await s.run({ cmd: "#check 1" })).status).toBe("ok");
  });

  it("restarts with exponential backoff while the container is over its threshold, then gives up", async () => {
    let containerChecks = 0;
    let overFor = 3;
    const probe: MemoryProbe = {
      treeRssBytes: systemMemoryProbe.treeRssBytes,
      container: () => {
        containerChecks++;
        return { limitBytes: 1000, usageBytes: containerChecks <= overFor ? 900 : 100, source: "cgroup2" };
      },
    };
    const s = auto(config({ restartBackoffMs: 50, maxRestartAttempts: 3 }), { memory: probe });
    const reasons: string[] = [];
    s.on("restart", ({ reason }) => reasons.push(reason));
    const t0 = Date.now();
    const o = await s.run({ cmd: "#check 1" });
    expect(o.status).toBe("ok");
    expect(reasons).toEqual(["container-memory", "container-memory", "container-memory"]);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(50 + 100 - 10); // no wait before the first restart, then 50, 100

    containerChecks = 0;
    overFor = Infinity;
    const exhausted = await s.run({ cmd: "#check 2" });
    expect(exhausted).toMatchObject({
      status: "crashed",
      error: { code: "repl_restart_exhausted", details: { attempts: 3 } },
    });
    expect(String(exhausted.error?.message)).toContain("cgroup2 memory");
  });

  it("recycles the REPL after maxRequestsPerRepl requests", async () => {
    const s = auto(config({ maxRequestsPerRepl: 3 }));
    const pids = new Set<number>();
    for (let i = 0; i < 7; i++) {
      expect((await s.run({ cmd: `#check ${i}` })).status).toBe("ok");
      pids.add(s.pid!);
      tracker.add(s.pid);
    }
    expect(pids.size).toBe(3);
    expect(s.stats().restartsByReason.recycle).toBe(2);
  });

  it("sends incrementality only when enabled and supported; an explicit per-request value wins", async () => {
    // The double writes its stats line to stderr just after each answer: wait for the expected number of lines.
    const elaborated = async (s: AutoLeanServer, lines: number) => {
      let found: number[] = [];
      for (let i = 0; i < 100 && found.length < lines; i++) {
        if (i > 0) await new Promise((r) => setTimeout(r, 20));
        found = [...s.stderrTail(8192).matchAll(/@double-stats (\{.*\})/g)].map(
          (m) => (JSON.parse(m[1]!) as { elaboratedCommands: number }).elaboratedCommands,
        );
      }
      return found;
    };
    const on = auto(config({ flags: ["--no-transcripts", "--stats"] }));
    await on.run({ cmd: "def a := 1\n#check a" });
    await on.run({ cmd: "def a := 1\n#check a" });
    await on.run({ cmd: "def a := 1\n#check a", incrementality: false });
    tracker.add(on.pid);
    // reuse on the second run (no new elaboration); the explicit false is honoured on the third
    expect(await elaborated(on, 3)).toEqual([2, 2, 4]);

    const off = auto(config({ flags: ["--no-transcripts", "--stats"], enableIncrementalOptimization: false }));
    await off.run({ cmd: "def a := 1\n#check a" });
    await off.run({ cmd: "def a := 1\n#check a" });
    await off.run({ cmd: "def a := 1\n#check a", incrementality: true });
    await off.run({ cmd: "def a := 1\n#check a", incrementality: true });
    tracker.add(off.pid);
    expect(await elaborated(off, 4)).toEqual([2, 4, 6, 6]);
  });

  it("a missing REPL is reported once as crashed with the setup message, not retried with backoff", async () => {
    const s = auto(parseReplConfig({ argv: ["/nonexistent/repl"], restartBackoffMs: 10_000 }));
    const t0 = Date.now();
    const o = await s.run({ cmd: "#check 1" });
    expect(o).toMatchObject({ status: "crashed", error: { code: "repl_setup" }, attempts: 0 });
    expect(Date.now() - t0).toBeLessThan(5000);
  });

  it("close() stops the REPL; later requests come back rejected", async () => {
    const s = auto();
    await s.start();
    tracker.add(s.pid);
    const inflight = s.run({ cmd: "-- @double hang\n#check 1" });
    await new Promise((r) => setTimeout(r, 100));
    await s.close();
    expect((await inflight).status).toBe("rejected");
    expect(await s.run({ cmd: "#check 1" })).toMatchObject({ status: "rejected", error: { code: "repl_closed" } });
  });

  it("aborting a request kills the REPL, rejects with the reason, and the next request runs on a new REPL", async () => {
    const s = auto();
    await s.start();
    tracker.add(s.pid);
    const ac = new AbortController();
    setTimeout(() => ac.abort(new Error("stop")), 200);
    await expect(s.run({ cmd: "-- @double hang\n#check 1" }, { signal: ac.signal })).rejects.toThrow("stop");
    expect((await s.run({ cmd: "#check 1" })).status).toBe("ok");
  });
});

describe("createSystemMemoryProbe", () => {
  it("reuses the container reading within its sample window, and reads again after it", async () => {
    const cached = createSystemMemoryProbe(60_000);
    const first = cached.container();
    expect(first.limitBytes).toBeGreaterThan(0);
    expect(cached.container()).toBe(first);
    const fresh = createSystemMemoryProbe(0);
    const a = fresh.container();
    await new Promise((r) => setTimeout(r, 2));
    expect(fresh.container()).not.toBe(a);
    expect(await fresh.treeRssBytes(process.pid)).toBeGreaterThan(0);
  });
});

describe("augmentRequest", () => {
  const ctx = (over: Partial<AugmentContext> = {}): AugmentContext => ({
    enableIncrementalOptimization: true,
    replSupportsIncrementality: true,
    enableParallelElaboration: true,
    leanVersion: "4.19.0",
    ...over,
  });

  it("adds incrementality to cmd/path requests for a REPL that supports it", () => {
    const req = { cmd: "#check 1" };
    expect(augmentRequest(req, ctx())).toEqual({ cmd: "#check 1", incrementality: true });
    expect(req).toEqual({ cmd: "#check 1" });
    expect(augmentRequest({ path: "A.lean", env: 0 }, ctx())).toEqual({ path: "A.lean", env: 0, incrementality: true });
    expect(augmentRequest({ tactic: "rfl", proofState: 0 }, ctx())).toEqual({ tactic: "rfl", proofState: 0 });
  });

  it("keeps an explicit value, adds nothing when disabled, and strips the key for an upstream REPL", () => {
    expect(augmentRequest({ cmd: "x", incrementality: false }, ctx())).toEqual({ cmd: "x", incrementality: false });
    expect(augmentRequest({ cmd: "x" }, ctx({ enableIncrementalOptimization: false }))).toEqual({ cmd: "x" });
    expect(augmentRequest({ cmd: "x", incrementality: true }, ctx({ enableIncrementalOptimization: false }))).toEqual({
      cmd: "x",
      incrementality: true,
    });
    expect(augmentRequest({ cmd: "x" }, ctx({ replSupportsIncrementality: false }))).toEqual({ cmd: "x" });
    expect(augmentRequest({ cmd: "x", incrementality: true }, ctx({ replSupportsIncrementality: false }))).toEqual({
      cmd: "x",
    });
  });
});
