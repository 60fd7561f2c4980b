// What LeanServer costs per request: requests/s through LeanServer vs a bare client writing the same requests
// straight to the REPL double's stdin (both send one request and await its answer before the next).
// Usage: npm run bench -- repl-overhead [--requests N] [--rounds R]
import { cpus, loadavg } from "node:os";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { execa } from "execa";
import { LeanServer } from "../services/repl/index.js";
import { doubleConfig } from "../test/support/double.js";

const { values } = parseArgs({
  options: { requests: { type: "string", default: "2000" }, rounds: { type: "string", default: "20" } },
});
const total = Number(values.requests);
const rounds = Number(values.rounds);
const perRound = Math.ceil(total / rounds);
const request = { cmd: "#check 1", env: 0 };
const config = doubleConfig({ flags: ["--no-transcripts"], memoryHardLimitMiB: null });

/**
 * The bare client: the double spawned exactly as LeanServer spawns it (execa, own process group and session,
 * stderr piped and drained), one request written, its answer read up to the blank line and JSON-parsed. Spawning
 * both sides alike matters here: a detached child gets its own scheduler autogroup, which changes its latency.
 */
async function directClient(): Promise<{ send(line: string): Promise<unknown>; close(): void }> {
  const [file, ...args] = config.argv!;
  const sub = execa(file!, args, {
    detached: true,
    cleanup: false,
    buffer: false,
    reject: false,
    stdin: "pipe",
    stdout: "pipe",
    stderr: "pipe",
  });
  void sub.then(() => undefined);
  const child = sub.nodeChildProcess;
  child.stderr!.on("data", () => undefined);
  let buffer = "";
  let waiter: ((chunk: string) => void) | null = null;
  child.stdout!.setEncoding("utf8");
  child.stdout!.on("data", (data: string) => {
    buffer += data;
    const cut = buffer.indexOf("\n\n");
    if (cut >= 0 && waiter) {
      const chunk = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      const w = waiter;
      waiter = null;
      w(chunk);
    }
  });
  const send = (line: string) =>
    new Promise<unknown>((resolve) => {
      waiter = (chunk) => resolve(JSON.parse(chunk));
      child.stdin!.write(line);
    });
  return { send, close: () => process.kill(-child.pid!, "SIGKILL") };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

const line = JSON.stringify(request) + "\n\n";
const direct = await directClient();
const server = new LeanServer(config);
await server.start();
// Warm both: env 0 must exist, and the double's first answer loads its model.
await direct.send(JSON.stringify({ cmd: "#check 0" }) + "\n\n");
await server.run({ cmd: "#check 0" });
for (let i = 0; i < 200; i++) {
  await direct.send(line);
  await server.run(request);
}

const directLatency: number[] = [];
const serverLatency: number[] = [];
let directMs = 0;
let serverMs = 0;
const roundRatios: number[] = [];
for (let r = 0; r < rounds; r++) {
  // Alternate blocks so that machine load drifts hit both sides alike.
  let t0 = performance.now();
  for (let i = 0; i < perRound; i++) {
    const s = performance.now();
    await direct.send(line);
    directLatency.push(performance.now() - s);
  }
  const directRoundMs = performance.now() - t0;
  directMs += directRoundMs;
  t0 = performance.now();
  for (let i = 0; i < perRound; i++) {
    const s = performance.now();
    const out = await server.run(request);
    serverLatency.push(performance.now() - s);
    if (out.response.kind !== "command") throw new Error(`unexpected answer ${JSON.stringify(out.response)}`);
  }
  const serverRoundMs = performance.now() - t0;
  serverMs += serverRoundMs;
  roundRatios.push(directRoundMs / serverRoundMs);
}
direct.close();
await server.close();

const n = perRound * rounds;
directLatency.sort((a, b) => a - b);
serverLatency.sort((a, b) => a - b);
const directRps = n / (directMs / 1000);
const serverRps = n / (serverMs / 1000);
// Throughput ratio per pair of adjacent rounds, then the median: robust to load bursts from other processes on a
// shared machine (the whole-run ratio is printed too).
const ratio = roundRatios.sort((a, b) => a - b)[Math.floor(roundRatios.length / 2)]!;
const ratioTotal = serverRps / directRps;
const p50AddedUs = (percentile(serverLatency, 50) - percentile(directLatency, 50)) * 1000;
const p99AddedUs = (percentile(serverLatency, 99) - percentile(directLatency, 99)) * 1000;

console.log(`workload: ${n} requests ${JSON.stringify(request)} per side (zero-cost on the double, --no-transcripts),`);
console.log(
  `          ${rounds} alternating rounds of ${perRound}; one request in flight at a time on each side; both doubles`,
);
console.log(
  `          spawned alike (execa, detached, stderr drained); machine load average ${loadavg()[0]!.toFixed(1)} on ${cpus().length} CPUs`,
);
console.log(
  `direct stdin client : ${directRps.toFixed(0)} req/s, p50 ${(percentile(directLatency, 50) * 1000).toFixed(0)} µs, p99 ${(percentile(directLatency, 99) * 1000).toFixed(0)} µs`,
);
console.log(
  `through LeanServer  : ${serverRps.toFixed(0)} req/s, p50 ${(percentile(serverLatency, 50) * 1000).toFixed(0)} µs, p99 ${(percentile(serverLatency, 99) * 1000).toFixed(0)} µs`,
);
console.log(
  `throughput ratio LeanServer / direct: median over rounds ${ratio.toFixed(3)} (goal >= 0.9), whole run ${ratioTotal.toFixed(3)}; ` +
    `added latency p50 ${p50AddedUs.toFixed(0)} µs, p99 ${p99AddedUs.toFixed(0)} µs`,
);
console.log(
  JSON.stringify({
    "bench": "repl-overhead",
    requests: n,
    rounds,
    directRps: Math.round(directRps),
    serverRps: Math.round(serverRps),
    ratio: Number(ratio.toFixed(3)),
    ratioTotal: Number(ratioTotal.toFixed(3)),
    p50AddedUs: Math.round(p50AddedUs),
    p99AddedUs: Math.round(p99AddedUs),
    goalMet: ratio >= 0.9,
  }),
);
