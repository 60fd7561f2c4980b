// How the cost of one input grows with its size: run time and peak heap of one command holding 1k..64k one-line
// theorems, through ReplPool (one REPL, prefix index on) vs a bare LeanServer, side by side, plus the heap left
// after a 64k-command input times out. Linear paths keep the pool/LeanServer ratio flat as the input grows.
// Usage: npm run bench -- input-size [--rounds R] [--max N]
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { LeanServer, ReplPool } from "../services/repl/index.js";
import { doubleConfig } from "../test/support/double.js";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;
const { values } = parseArgs({
  options: { rounds: { type: "string", default: "3" }, max: { type: "string", default: "64000" } },
});
const rounds = Number(values.rounds);
const sizes = [1_000, 4_000, 16_000, 64_000].filter((n) => n <= Number(values.max));
const config = doubleConfig({ flags: ["--no-transcripts"], killGraceMs: 300 });
const theorems = (n: number, tail = ""): string =>
  Array.from({ length: n }, (_, i) => `theorem t${i} : ${i} = ${i} := rfl`).join("\n") + tail;

/** Best wall time and the peak heap growth (sampled every 5 ms, above a post-GC baseline) over `rounds` runs. */
async function measure(run: (round: number) => Promise<void>): Promise<{ ms: number; peakHeapMiB: number }> {
  let best = Infinity;
  let peak = 0;
  for (let r = 0; r < rounds; r++) {
    gc();
    const base = process.memoryUsage().heapUsed;
    let top = base;
    const timer = setInterval(() => (top = Math.max(top, process.memoryUsage().heapUsed)), 5);
    const t0 = performance.now();
    await run(r);
    best = Math.min(best, performance.now() - t0);
    clearInterval(timer);
    peak = Math.max(peak, (Math.max(top, process.memoryUsage().heapUsed) - base) / 2 ** 20);
  }
  return { ms: best, peakHeapMiB: peak };
}

const server = new LeanServer(config);
const pool = new ReplPool(config, { size: 1 });
await pool.start();
const rows: {
  commands: number;
  bytes: number;
  serverMs: number;
  poolMs: number;
  timeRatio: number;
  serverHeapMiB: number;
  poolHeapMiB: number;
}[] = [];
for (const n of sizes) {
  const cmd = theorems(n);
  const s = await measure(async () => void (await server.run({ cmd }, { timeoutMs: 300_000 })));
  // A fresh text per round so neither the index nor the double's incrementality reuses an earlier round.
  const p = await measure(async (r) => {
    const o = await pool.run({ cmd: `${cmd}\n-- round ${r}` }, { timeoutMs: 300_000 });
    if (o.status !== "ok") throw new Error(`pool run of ${n} commands: ${o.status}`);
  });
  rows.push({
    commands: n,
    bytes: cmd.length,
    serverMs: s.ms,
    poolMs: p.ms,
    timeRatio: p.ms / s.ms,
    serverHeapMiB: s.peakHeapMiB,
    poolHeapMiB: p.peakHeapMiB,
  });
}
// A timeout on the largest input: the REPL restarts and the index drops everything it recorded for it.
gc();
const before = process.memoryUsage().heapUsed;
const big = sizes.at(-1)!;
const t0 = performance.now();
const timedOut = await pool.run({ cmd: theorems(big, "\n-- @double hang\n") }, { timeoutMs: 2_000 });
const timeoutMs = performance.now() - t0;
gc();
const heapAfterTimeoutMiB = (process.memoryUsage().heapUsed - before) / 2 ** 20;
await Promise.all([pool.close(), server.close()]);

console.log(
  `workload: one command of N one-line theorems (~${Math.round(rows.at(-1)!.bytes / rows.at(-1)!.commands)} bytes each) on the REPL double (model only),`,
);
console.log(
  `best of ${rounds} rounds; ReplPool with 1 REPL (incrementality and prefix index on) vs LeanServer (no pool).`,
);
console.log("commands   bytes      LeanServer ms  pool ms   pool/server  heap MiB server  heap MiB pool");
for (const r of rows) {
  console.log(
    `${String(r.commands).padEnd(10)} ${String(r.bytes).padEnd(10)} ${r.serverMs.toFixed(0).padStart(13)} ${r.poolMs.toFixed(0).padStart(8)} ${r.timeRatio.toFixed(2).padStart(11)}x ${r.serverHeapMiB.toFixed(1).padStart(15)} ${r.poolHeapMiB.toFixed(1).padStart(14)}`,
  );
}
console.log(
  `${big} commands timing out after 2 s: ${timedOut.status} in ${timeoutMs.toFixed(0)} ms, heap growth after GC ${heapAfterTimeoutMiB.toFixed(1)} MiB`,
);
const first = rows[0]!;
const last = rows.at(-1)!;
console.log(
  `growth ${first.commands} -> ${last.commands} commands (x${last.commands / first.commands}): LeanServer x${(last.serverMs / first.serverMs).toFixed(1)}, pool x${(last.poolMs / first.poolMs).toFixed(1)}`,
);
console.log(
  JSON.stringify({
    "bench": "input-size",
    sizes: rows.map((r) => r.commands),
    timeRatio: rows.map((r) => Number(r.timeRatio.toFixed(2))),
    poolHeapMiB: rows.map((r) => Number(r.poolHeapMiB.toFixed(1))),
    serverHeapMiB: rows.map((r) => Number(r.serverHeapMiB.toFixed(1))),
    timeoutStatus: timedOut.status,
    heapAfterTimeoutMiB: Number(heapAfterTimeoutMiB.toFixed(1)),
    goalMet: rows.every((r) => r.timeRatio <= 2) && timedOut.status === "timeout",
  }),
);
