// bench/prefix-index: PrefixIndex lookup time as the number of stored commands grows (10^2 .. 10^5), and the index's
// memory per stored command (its own accounting, and the V8 heap growth measured after a full GC).
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { performance } from "node:perf_hooks";
import { PrefixIndex } from "../services/repl/index.js";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

const COMMANDS_PER_FILE = 40;
const SIZES = [100, 1_000, 10_000, 100_000];
const LOOKUPS = Number(process.env.BENCH_LOOKUPS ?? 20_000); // per size and probe set, in ROUNDS rounds

/** File f as a Mathlib-style file of 40 theorems (~3 KB); `edit` changes the proof of command 37. */
function file(f: number, edit = false): string {
  const cmds = Array.from(
    { length: COMMANDS_PER_FILE },
    (_, i) =>
      `theorem file${f}_lemma${i} (a b : ℕ) (h : a ≤ b) : a + ${i} ≤ b + ${i} := by\n  ${edit && i === 37 ? "simp_all" : "omega"}`,
  );
  return `import Mathlib\n\nopen Nat\n\n${cmds.join("\n\n")}\n`;
}

function build(commands: number): { index: PrefixIndex; files: number } {
  const index = new PrefixIndex({ budgetBytes: 2 ** 40 });
  const files = Math.ceil(commands / COMMANDS_PER_FILE);
  for (let f = 0; f < files; f++) index.record(`repl-${f % 4}`, file(f));
  return { index, files };
}

/** Probes: edited versions of `count` stored files (the pool's lookup when a new version of a file arrives). */
function probesFor(files: number, count: number): string[] {
  return Array.from({ length: count }, (_, k) => file((k * 7919) % files, true));
}

/** Microseconds per longestMatch over `count` lookups. */
function lookupMicros(index: PrefixIndex, probes: string[], count: number): number {
  let sink = 0;
  const t0 = performance.now();
  for (let i = 0; i < count; i++) sink += index.longestMatch(probes[i % probes.length]!).length;
  const us = ((performance.now() - t0) * 1000) / count;
  if (sink === 0) throw new Error("lookups found nothing");
  return us;
}

// Memory first, on a clean heap: heap growth for 10^5 stored commands (4 REPLs, distinct files) vs the accounting.
gc();
const heapBefore = process.memoryUsage().heapUsed;
const big = build(100_000);
gc();
const heapAfter = process.memoryUsage().heapUsed;
const heapPerCommand = (heapAfter - heapBefore) / big.index.size;
const accountedPerCommand = big.index.bytes / big.index.size;
const textPerCommand = file(0).length / COMMANDS_PER_FILE;

// Lookups: all indexes alive at once (same heap for every size), measured in many short interleaved rounds; the
// fastest round per size is reported (the round least disturbed by other processes on this shared machine).
// Main figure: probes from 64 files (a pool's working set of recently edited files); also 1024 files, which at 10^5
// adds CPU cache misses (at 10^2 only 3 files exist, so that working set cannot grow).
const built = SIZES.map((n) => (n === 100_000 ? big : build(n)));
const probeSets = [64, 1024].map((count) => built.map((b) => probesFor(b.files, count)));
built.forEach((b, i) => probeSets.forEach((set) => lookupMicros(b.index, set[i]!, 1000))); // warm-up
const ROUNDS = 200;
const samples: number[][][] = probeSets.map(() => SIZES.map(() => []));
for (let r = 0; r < ROUNDS; r++) {
  probeSets.forEach((set, p) =>
    built.forEach((b, i) => samples[p]![i]!.push(lookupMicros(b.index, set[i]!, Math.ceil(LOOKUPS / ROUNDS)))),
  );
}
const fastest = (xs: number[]) => Math.min(...xs);
const rows = SIZES.map((n, i) => ({
  commands: n,
  lookupUs: fastest(samples[0]![i]!),
  spreadUs: fastest(samples[1]![i]!),
}));

const base = rows[0]!.lookupUs;
const spreadBase = rows[0]!.spreadUs;
console.log(
  `workload: files of ${COMMANDS_PER_FILE} theorems (~${Math.round((file(0).length / 1024) * 10) / 10} KB each) spread over 4 REPLs;`,
);
console.log(
  `lookup = longestMatch of an edited stored file (command 37 of 40 changed), fastest of ${ROUNDS} interleaved rounds, ${LOOKUPS} lookups per size`,
);
console.log(
  "stored commands | lookup µs (64 probe files) | ratio to 10^2 | lookup µs (1024 probe files) | ratio to 10^2",
);
for (const r of rows) {
  console.log(
    `${String(r.commands).padStart(15)} | ${r.lookupUs.toFixed(2).padStart(25)} | ${(r.lookupUs / base).toFixed(2).padStart(12)}x | ${r.spreadUs.toFixed(2).padStart(28)} | ${(r.spreadUs / spreadBase).toFixed(2).padStart(12)}x`,
  );
}
console.log(
  `memory per stored command: ${heapPerCommand.toFixed(0)} B measured heap growth (V8, after GC), ${accountedPerCommand.toFixed(0)} B by the index's accounting; source text is ${textPerCommand.toFixed(0)} chars per command`,
);
const ratio = rows.at(-1)!.lookupUs / base;
const spreadRatio = rows.at(-1)!.spreadUs / spreadBase;
console.log(
  `goal: 10^5 lookup within 1.3x of 10^2: ${ratio <= 1.3 ? "met" : "NOT met"} (${ratio.toFixed(2)}x; ${spreadRatio.toFixed(2)}x with 1024 probe files)`,
);
console.log(
  JSON.stringify({
    "bench": "prefix-index",
    lookupUs: Object.fromEntries(rows.map((r) => [String(r.commands), Number(r.lookupUs.toFixed(3))])),
    ratio1e5to1e2: Number(ratio.toFixed(3)),
    lookupUsSpread: Object.fromEntries(rows.map((r) => [String(r.commands), Number(r.spreadUs.toFixed(3))])),
    ratio1e5to1e2Spread: Number(spreadRatio.toFixed(3)),
    heapBytesPerCommand: Math.round(heapPerCommand),
    accountedBytesPerCommand: Math.round(accountedPerCommand),
    charsPerCommand: Math.round(textPerCommand),
  }),
);
