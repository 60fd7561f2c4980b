// Cost of one large input (tens of thousands of one-line theorems in one command): the pool stays within a small
// factor of a bare LeanServer at every size, and a timeout on a huge input leaves the heap flat (the prefix index
// entries it recorded are dropped in one linear pass when the REPL restarts).
import pidusage from "pidusage";
import { afterAll, describe, expect, it } from "vitest";
import { LeanServer, PrefixIndex } from "../../services/repl/index.js";
import { closePoolsAfterEach, doubleCfg, notePids, trackedPool } from "./pool-support.js";

closePoolsAfterEach();
afterAll(() => pidusage.clear());

/** One command holding `n` one-line theorems (about 50 bytes each, as in the 3.4 MB / 70,000-theorem report). */
const theorems = (n: number, tail = ""): string =>
  Array.from({ length: n }, (_, i) => `theorem t${i} : ${i} = ${i} := rfl`).join("\n") + tail;

/** CPU time used so far by this process and the REPL process `pid`, in ms (cumulative, user + system). */
async function cpuMs(pid: number): Promise<number> {
  const own = process.cpuUsage();
  return (own.user + own.system) / 1000 + (await pidusage(pid)).ctime;
}

/**
 * Least CPU (this process plus the REPL's) that `fn` used over `rounds` runs, in ms. CPU rather than wall time, so
 * that other tests and processes competing for the two cores do not count: the question is the work each path does.
 */
async function leastCpu(rounds: number, pid: () => number, fn: () => Promise<unknown>): Promise<number> {
  let best = Infinity;
  for (let r = 0; r < rounds; r++) {
    const before = await cpuMs(pid());
    await fn();
    best = Math.min(best, (await cpuMs(pid())) - before);
  }
  return best;
}

describe("large inputs", () => {
  it(
    "costs the pool at most about twice what it costs LeanServer, from 1,000 to 64,000 commands",
    { timeout: 120_000 },
    async () => {
      const config = doubleCfg();
      const server = new LeanServer(config);
      const pool = trackedPool(config, { size: 1 });
      await Promise.all([pool.start(), server.start()]);
      try {
        for (const n of [1_000, 8_000, 64_000]) {
          const cmd = theorems(n);
          // Fresh texts for the pool each round, so its prefix index and the double's trie never reuse anything.
          let round = 0;
          const poolMs = await leastCpu(
            2,
            () => pool.servers[0]!.pid!,
            async () => {
              expect((await pool.run({ cmd: `${cmd}\n-- round ${round++}` }, { timeoutMs: 60_000 })).status).toBe("ok");
            },
          );
          const serverMs = await leastCpu(
            2,
            () => server.pid!,
            async () => expect((await server.run({ cmd }, { timeoutMs: 60_000 })).response.kind).toBe("command"),
          );
          notePids(pool);
          // 2x plus a fixed 100 ms of CPU for start-up noise on small inputs.
          expect(
            poolMs,
            `${n} commands: pool ${poolMs.toFixed(0)} ms CPU vs LeanServer ${serverMs.toFixed(0)} ms CPU`,
          ).toBeLessThan(2 * serverMs + 100);
        }
      } finally {
        await server.close();
      }
    },
  );

  it("keeps the heap flat after a huge input times out", { timeout: 60_000 }, async () => {
    const pool = trackedPool(doubleCfg(), { size: 1 });
    await pool.start();
    notePids(pool);
    const heapBefore = process.memoryUsage().heapUsed;
    const outcome = await pool.run({ cmd: theorems(32_000, "\n-- @double hang\n") }, { timeoutMs: 1_500 });
    notePids(pool);
    expect(outcome.status).toBe("timeout");
    expect(pool.index.size).toBe(0); // the restarted REPL's entries are gone
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(64 * 1024 * 1024);
    expect((await pool.run({ cmd: "theorem ok : 1 = 1 := rfl" })).status).toBe("ok");
  });
});

describe("PrefixIndex.dropRepl", () => {
  it("is linear in the text: dropping one REPL's 64,000 keys under another REPL's single long key merges each chain once", () => {
    const index = new PrefixIndex({ budgetBytes: 2 ** 40 });
    const text = theorems(64_000);
    index.record("repl-0", text);
    index.record("repl-1", text.slice(0, text.lastIndexOf("\n"))); // shares every key but the last
    const t0 = performance.now();
    index.dropRepl("repl-1");
    index.dropRepl("repl-0");
    expect(index.size).toBe(0);
    expect(index.bytes).toBe(0);
    // Quadratic merging of a 3 MB chain took tens of seconds and gigabytes; linear work is well under a second.
    expect(performance.now() - t0).toBeLessThan(5_000);
  });
});
