// LeanServer against the REPL double (real child processes): answers, queueing, every fault directive, limits,
// and no process left behind after any test.
import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import {
  InvalidRequestError,
  isProcessDead,
  LeanServer,
  parseReplConfig,
  ReplClosedError,
  ReplCrashedError,
  ReplMemoryLimitError,
  ReplProtocolError,
  ReplSetupError,
  ReplTimeoutError,
  type LeanReplConfigInput,
} from "../../services/repl/index.js";
import { StderrRing } from "../../services/repl/process/stderr-ring.js";
import { closeAllAndExpectDead, PidTracker } from "./lean-server-support.js";
import { doubleConfig } from "../support/double.js";

const tracker = new PidTracker();
const servers: LeanServer[] = [];

function server(overrides: LeanReplConfigInput = {}): LeanServer {
  const s = new LeanServer(
    doubleConfig({ flags: ["--no-transcripts"], killGraceMs: 500, defaultTimeoutMs: 15_000, ...overrides }),
  );
  servers.push(s);
  return s;
}

async function started(overrides: LeanReplConfigInput = {}): Promise<LeanServer> {
  const s = server(overrides);
  await s.start();
  tracker.add(s.pid);
  await s.run({ cmd: "#check 0" }); // the double's first answer loads its model; later timings are the request's own
  return s;
}

/** Run a request that must fail; returns the error and the time it took. */
async function failing(s: LeanServer, cmd: string, timeoutMs?: number): Promise<{ err: unknown; ms: number }> {
  const t0 = Date.now();
  const err = await s.run({ cmd }, timeoutMs === undefined ? {} : { timeoutMs }).then(
    () => new Error("expected the request to fail"),
    (e: unknown) => e,
  );
  tracker.add(s.pid);
  return { err, ms: Date.now() - t0 };
}

afterEach(() => closeAllAndExpectDead(servers, tracker));

describe("LeanServer answers", () => {
  it("returns typed responses, and REPL-level errors as data", async () => {
    const s = await started();
    const r = await s.run({ cmd: "theorem t (x : Nat) : x = x := by sorry" });
    expect(r.response.kind).toBe("command");
    if (r.response.kind !== "command") return;
    expect(r.response.value.sorries?.[0]?.goal).toContain("⊢ x = x");
    expect(typeof r.durationMs).toBe("number");
    const unknown = await s.run({ cmd: "#check 1", env: 999 });
    expect(unknown.response).toEqual({ kind: "error", value: { message: "Unknown environment." } });
    const step = await s.run({ tactic: "rfl", proofState: r.response.value.sorries![0]!.proofState! });
    expect(step.response.kind).toBe("proofStep");
    expect(s.requestsServed).toBe(4);
  });

  it("serves 50 concurrent callers one at a time, each with its own answer, in call order", async () => {
    const s = await started();
    const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => s.run({ cmd: `#check ${i + 100}` })));
    answers.forEach((a, i) => {
      expect(a.response.kind).toBe("command");
      if (a.response.kind !== "command") return;
      // env ids count up in the order the REPL saw the requests; the info message echoes the caller's own term
      expect(a.response.value.env).toBe(i + 1);
      expect(a.response.value.messages?.[0]?.data).toBe(`${i + 100} : Nat`);
    });
  });

  it("refuses an invalid request before it reaches the REPL", async () => {
    const s = await started();
    await expect(s.run({ cmd: "#check 1", env: -1 })).rejects.toBeInstanceOf(InvalidRequestError);
    expect(s.isAlive).toBe(true);
    expect((await s.run({ cmd: "#check 1" })).response.kind).toBe("command");
  });

  it("error directive: an error message at that line is data in an ok answer", async () => {
    const s = await started();
    const r = await s.run({ cmd: "#check 1\n-- @double error boom here\n#check 2" });
    expect(r.response.kind).toBe("command");
    if (r.response.kind !== "command") return;
    const errors = (r.response.value.messages ?? []).filter((m) => m.severity === "error");
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ data: "boom here", pos: { line: 2 } });
  });

  it("cpu directive: a busy REPL is waited for within its timeout", async () => {
    const s = await started();
    const t0 = Date.now();
    const r = await s.run({ cmd: "-- @double cpu 300\n#check 1" }, { timeoutMs: 5000 });
    expect(r.response.kind).toBe("command");
    // 300 ms of process CPU time: Node's helper threads (GC, compiler) add to it, so wall time can be a little less.
    expect(Date.now() - t0).toBeGreaterThanOrEqual(200);
  });

  it("waits for a sleeping REPL within its timeout", async () => {
    const s = await started();
    const r = await s.run({ cmd: "-- @double sleep 300\n#check 1" }, { timeoutMs: 5000 });
    expect(r.durationMs).toBeGreaterThanOrEqual(290);
  });
});

describe("LeanServer faults", () => {
  it("hang: times out, kills the process group, rejects with ReplTimeoutError", async () => {
    const s = await started();
    const { err, ms } = await failing(s, "-- @double hang\n#check 1", 1000);
    expect(err).toBeInstanceOf(ReplTimeoutError);
    expect((err as ReplTimeoutError).timeoutMs).toBe(1000);
    expect(ms).toBeGreaterThanOrEqual(990);
    expect(ms).toBeLessThan(1000 + 2000);
    expect(s.isAlive).toBe(false);
    await expect(s.run({ cmd: "#check 1" })).rejects.toBeInstanceOf(ReplCrashedError);
    await s.restart();
    expect((await s.run({ cmd: "#check 1" })).response.kind).toBe("command");
  });

  it("ignore-sigterm + hang: SIGKILL after the grace period", async () => {
    const s = await started({ killGraceMs: 700 });
    const pid = s.pid!;
    const { err, ms } = await failing(s, "-- @double ignore-sigterm\n-- @double hang\n#check 1", 800);
    expect(err).toBeInstanceOf(ReplTimeoutError);
    expect(ms).toBeGreaterThanOrEqual(800 + 650);
    expect(ms).toBeLessThan(800 + 2000);
    expect(isProcessDead(pid)).toBe(true);
  }, 10_000);

  it("crash: ReplCrashedError with exit code 134 and the stderr tail", async () => {
    const s = await started();
    const { err, ms } = await failing(s, "#check 1\n-- @double crash", 5000);
    expect(err).toBeInstanceOf(ReplCrashedError);
    const crash = err as ReplCrashedError;
    expect(crash.exitCode).toBe(134);
    expect(crash.signal).toBeNull();
    expect(crash.stderrTail).toContain("INTERNAL PANIC");
    expect(ms).toBeLessThan(5000 + 2000);
  });

  it("exit: ReplCrashedError with exit code 0", async () => {
    const s = await started();
    const { err } = await failing(s, "-- @double exit\n#check 1", 5000);
    expect(err).toBeInstanceOf(ReplCrashedError);
    expect((err as ReplCrashedError).exitCode).toBe(0);
  });

  it("grandchild: dies with the group on close, and when the REPL crashes", async () => {
    const s = await started();
    await s.run({ cmd: "#check 1\n-- @double grandchild" });
    const [gc] = tracker.addFromStderr(s.stderrTail(4096));
    expect(gc).toBeGreaterThan(0);
    await s.close();
    await tracker.expectAllDead();

    const s2 = await started();
    await s2.run({ cmd: "#check 1\n-- @double grandchild" });
    const [gc2] = tracker.addFromStderr(s2.stderrTail(4096));
    const { err } = await failing(s2, "#check 2\n-- @double crash", 5000);
    expect(err).toBeInstanceOf(ReplCrashedError);
    expect(gc2).toBeGreaterThan(0);
    await tracker.expectAllDead();
  });

  it("stderr flood of 10 MB does not stall the REPL; the ring keeps only its capacity", async () => {
    const s = await started({ stderrTailBytes: 64 * 1024 });
    const r = await s.run({ cmd: "-- @double stderr 10000000\n#check 1" }, { timeoutMs: 20_000 });
    expect(r.response.kind).toBe("command");
    expect(s.stderrTail(1 << 20).length).toBeLessThanOrEqual(64 * 1024);
    expect(s.stderrTail().length).toBe(1024);
  }, 25_000);

  it("alloc over memoryHardLimitMiB: the RSS watchdog kills the tree with ReplMemoryLimitError", async () => {
    const s = await started({ memoryHardLimitMiB: 200, rssSampleIntervalMs: 50 });
    const { err, ms } = await failing(s, "-- @double alloc 400\n-- @double hang\n#check 1", 10_000);
    expect(err).toBeInstanceOf(ReplMemoryLimitError);
    expect((err as ReplMemoryLimitError).limitMiB).toBe(200);
    expect((err as ReplMemoryLimitError).rssMiB).toBeGreaterThan(200);
    expect(ms).toBeLessThan(10_000);
  });

  it("reports the peak RSS sampled during a request", async () => {
    const s = await started({ rssSampleIntervalMs: 50 });
    const r = await s.run({ cmd: "-- @double alloc 100\n-- @double sleep 400\n#check 1" });
    expect(r.peakRssBytes).toBeGreaterThan(100 * 1024 * 1024);
  });

  it.runIf(process.platform === "linux")(
    "RLIMIT_AS: the limit is set on the REPL, and hitting it is a memory error",
    async () => {
      // Node reserves ~11 GiB of address space at start (WebAssembly guard regions of type stripping), so measure it
      // on an unlimited double and allow a few hundred MiB more; allocating past that must fail.
      const probe = await started({ memoryHardLimitMiB: null });
      const vmSizeMiB = Math.ceil(
        Number(/VmSize:\s+(\d+) kB/.exec(readFileSync(`/proc/${probe.pid}/status`, "utf8"))![1]) / 1024,
      );
      await probe.close();
      const limitMiB = vmSizeMiB + 500;
      const s = await started({ addressSpaceLimitMiB: limitMiB, memoryHardLimitMiB: null });
      const limits = readFileSync(`/proc/${s.pid}/limits`, "utf8");
      expect(limits).toMatch(new RegExp(`Max address space\\s+${limitMiB * 1024 * 1024}\\s`));
      const { err } = await failing(s, "-- @double alloc 1500\n#check 1", 10_000);
      expect(err).toBeInstanceOf(ReplMemoryLimitError);
      expect((err as ReplMemoryLimitError).limitMiB).toBe(limitMiB);
    },
  );

  it("non-JSON output: ReplProtocolError, and the process is killed", async () => {
    const script = 'read l; read l; printf "this is not json\\n\\n"; exec sleep 30';
    const s = new LeanServer(
      parseReplConfig({ argv: ["/bin/sh", "-c", script], killGraceMs: 200, memoryHardLimitMiB: null }),
    );
    servers.push(s);
    await s.start();
    tracker.add(s.pid);
    const err = await s.run({ cmd: "#check 1" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ReplProtocolError);
    expect((err as ReplProtocolError).raw).toContain("this is not json");
    tracker.add(s.pid);
    await tracker.expectAllDead();
  });

  it("abort: kills the REPL and rejects with the signal's reason", async () => {
    const s = await started();
    const ac = new AbortController();
    setTimeout(() => ac.abort(new Error("caller gave up")), 300);
    await expect(s.run({ cmd: "-- @double hang\n#check 1" }, { signal: ac.signal })).rejects.toThrow("caller gave up");
    expect(s.isAlive).toBe(false);
  });
});

describe("LeanServer lifecycle", () => {
  it("a queued request whose signal aborts leaves the queue; the running one is unaffected", async () => {
    const s = await started();
    const running = s.run({ cmd: "-- @double sleep 400\n#check 1" });
    const ac = new AbortController();
    const queued = s.run({ cmd: "#check 2" }, { signal: ac.signal });
    const after = s.run({ cmd: "#check 3" });
    ac.abort(new Error("not needed any more"));
    await expect(queued).rejects.toThrow("not needed any more");
    expect((await running).response.kind).toBe("command");
    const third = await after;
    expect(third.response.kind === "command" && third.response.value.messages?.[0]?.data).toBe("3 : Nat");
    expect(s.isAlive).toBe(true);
  });

  it("close() is idempotent, kills the group, and later runs are refused", async () => {
    const s = await started();
    const inflight = s.run({ cmd: "-- @double hang\n#check 1" });
    const queued = s.run({ cmd: "#check 2" });
    await Promise.all([s.close(), s.close()]);
    await expect(inflight).rejects.toBeInstanceOf(ReplClosedError);
    await expect(queued).rejects.toBeInstanceOf(ReplClosedError);
    await expect(s.run({ cmd: "#check 3" })).rejects.toBeInstanceOf(ReplClosedError);
    expect(s.isAlive).toBe(false);
  });

  it("a missing REPL binary is a ReplSetupError", async () => {
    const s = new LeanServer(parseReplConfig({ replPath: "/nonexistent/repl" }), { env: { PATH: "" } });
    await expect(s.start()).rejects.toBeInstanceOf(ReplSetupError);
    const direct = new LeanServer(parseReplConfig({ argv: ["/nonexistent/binary"] }));
    await expect(direct.start()).rejects.toBeInstanceOf(ReplSetupError);
  });
});

describe("StderrRing", () => {
  it("keeps the last bytes across chunk boundaries", () => {
    const ring = new StderrRing(10);
    ring.push(Buffer.from("abcdef"));
    ring.push(Buffer.from("ghijkl"));
    expect(ring.tail()).toBe("cdefghijkl");
    expect(ring.size).toBe(10);
    ring.push(Buffer.from("0123456789XYZ"));
    expect(ring.tail()).toBe("3456789XYZ");
    expect(ring.tail(3)).toBe("XYZ");
  });
});
