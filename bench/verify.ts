// bench/verify: what verification costs. (1) The fast audit (axioms, statement match, kernel options, in the REPL)
// relative to a plain check (errors and sorries only, what Kimina and LeanInteract check), for pass@k workloads of
// k = 1, 8 and 32 candidates per problem. (2) A two-stage strict evaluation (fast on all, comparator on the fast-valid)
// of 1,000 candidates of which 20 % pass fast, relative to running comparator on all of them. Both on the doubles'
// cost model (sleeps standing for Lean's work), scaled down; the ratios are what the cost model gives.
// Usage: npm run bench -- verify [--candidates N] [--quick]
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import pLimit from "p-limit";
import { ReplPool } from "../services/repl/index.js";
import { DEFAULT_PERMITTED_AXIOMS, FORMAT_VERSION, type Job } from "../services/jobs/index.js";
import { FastAuditor, StrictChecker } from "../services/verify/index.js";
import { verifyAnswer } from "../services/worker/index.js";
import { comparatorDoubleCommand, doubleConfig } from "../test/support/double.js";

const { values } = parseArgs({
  options: { candidates: { type: "string", default: "1000" }, quick: { type: "boolean", default: false } },
});
// Cost model (scaled down 20x from a warm Mathlib REPL: a tactic proof ~1 s, loading Mathlib's .oleans ~5 s): a
// candidate's command costs COMMAND_MS in a REPL whose header is loaded; a statement with a `sorry` proof costs
// STATEMENT_MS (elaborating a statement runs no tactic); the audit's meta commands cost AUDIT_MS
// (#print axioms and a small meta program: milliseconds in real Lean); comparator builds two modules in a fresh
// process, each loading the imports and elaborating its text: 2 x (IMPORT_MS + COMMAND_MS).
const COMMAND_MS = 50;
const IMPORT_MS = 250;
const AUDIT_MS = 2;
/** A statement with a `sorry` proof (the problem, elaborated once per worker for the statement match): no tactic runs. */
const STATEMENT_MS = 5;
const REPLS = 2;
const cost = [
  "--stats",
  "--import-cost",
  `Mathlib=${IMPORT_MS}:1`,
  "--command-cost-ms",
  String(COMMAND_MS),
  "--sorry-proof-cost-ms",
  String(STATEMENT_MS),
  "--audit-cost-ms",
  String(AUDIT_MS),
];
const HEADER = "import Mathlib\n";

/** Problem p's statement and candidate c: correct when `good`, else an error the REPL reports. */
const statement = (p: number) => `${HEADER}theorem prob${p} (a b : Nat) : a + b + ${p} = b + a + ${p} := by`;
const candidate = (p: number, c: number, good: boolean) =>
  `${HEADER}-- candidate ${c}\ntheorem prob${p} (a b : Nat) : a + b + ${p} = b + a + ${p} := by\n  ${good ? "omega" : "-- @double error linarith failed to find a contradiction\n  omega"}`;

/** Charged cost (ms of the cost model) of every REPL of the pool so far: the doubles' cumulative `costMs`. */
async function chargedMs(pool: ReplPool): Promise<number> {
  await new Promise((r) => setTimeout(r, 50)); // the stats line follows each answer
  return pool.servers.reduce((sum, s) => {
    const lines = [...s.stderrTail(1 << 16).matchAll(/@double-stats (\{.*\})/g)];
    return sum + (lines.length === 0 ? 0 : (JSON.parse(lines.at(-1)![1]!) as { costMs: number }).costMs);
  }, 0);
}

/** Run `fn` on a fresh pool (Mathlib pre-warmed); returns its wall time and the model cost it charged. */
async function withPool(fn: (pool: ReplPool) => Promise<void>): Promise<{ wallMs: number; costMs: number }> {
  const pool = new ReplPool(doubleConfig({ flags: ["--no-transcripts", ...cost] }), {
    size: REPLS,
    prewarmHeader: "import Mathlib",
  });
  await pool.start();
  try {
    const before = await chargedMs(pool);
    const t0 = performance.now();
    await fn(pool);
    const wallMs = performance.now() - t0;
    return { wallMs, costMs: (await chargedMs(pool)) - before };
  } finally {
    await pool.close();
  }
}

/** Checking every candidate, plain or with the fast audit (`REPLS` at a time): model cost and wall time of each. */
async function fastVsPlain(
  problems: number,
  k: number,
): Promise<{ plain: { wallMs: number; costMs: number }; fast: { wallMs: number; costMs: number } }> {
  const items = Array.from({ length: problems * k }, (_, i) => ({ p: Math.floor(i / k), c: i % k }));
  const plain = await withPool(async (pool) => {
    await Promise.all(items.map(({ p, c }) => pool.run({ cmd: candidate(p, c, true) })));
  });
  let valid = 0;
  const fast = await withPool(async (pool) => {
    const auditor = new FastAuditor(pool);
    const limit = pLimit(REPLS);
    await Promise.all(
      items.map(({ p, c }) =>
        limit(async () => {
          if (await fastCheck(pool, auditor, p, candidate(p, c, true))) valid++;
        }),
      ),
    );
  });
  if (valid !== items.length) throw new Error(`fast audit passed ${valid} of ${items.length} correct candidates`);
  return { plain, fast };
}

/** One candidate through the worker's own fast path: run (keeping its environment), then `verifyAnswer`. */
async function fastCheck(pool: ReplPool, auditor: FastAuditor, p: number, code: string): Promise<boolean> {
  const job: Job = {
    v: FORMAT_VERSION,
    id: `j_bench_verify_${p}`,
    fleet: "bench",
    request: { kind: "command", code },
    timeoutMs: 60_000,
    keep: true,
    submittedAt: new Date().toISOString(),
    statement: statement(p),
    permittedAxioms: [...DEFAULT_PERMITTED_AXIOMS],
  };
  const run = await pool.run({ cmd: code }, { keep: true });
  const v = await verifyAnswer(job, run, { auditor, strict: null }, { remainingMs: job.timeoutMs });
  return v.kind === "checked" && v.checks.every((x) => x.ok);
}

/**
 * Two-stage strict (fast on all, comparator on the fast-valid) vs comparator on all, for `n` candidates. Comparator's
 * model cost is its two module builds per run; wall times are measured too.
 */
async function twoStage(n: number, passRate: number) {
  const buildMs = IMPORT_MS + COMMAND_MS;
  const strict = new StrictChecker({
    command: comparatorDoubleCommand(["--build-cost-ms", String(buildMs)]),
    projectDir: null,
    addressSpaceLimitMiB: null,
    concurrency: REPLS,
  });
  const items = Array.from({ length: n }, (_, i) => ({ p: i % 50, i, good: i % Math.round(1 / passRate) === 0 }));
  const toStrict = (x: (typeof items)[number]) =>
    strict.check({
      challenge: `${statement(x.p)} sorry\n`,
      solution: candidate(x.p, x.i, x.good),
      theorems: [`prob${x.p}`],
      permittedAxioms: DEFAULT_PERMITTED_AXIOMS,
    });
  let t0 = performance.now();
  const all = await Promise.all(items.map(toStrict));
  const strictAll = { wallMs: performance.now() - t0, costMs: all.length * 2 * buildMs };
  if (all.filter((r) => r.status === "ok" && r.check.ok).length !== items.filter((x) => x.good).length)
    throw new Error("comparator double disagreed with the workload");
  const passed: typeof items = [];
  const fast = await withPool(async (pool) => {
    const auditor = new FastAuditor(pool);
    const limit = pLimit(REPLS);
    await Promise.all(
      items.map((x) =>
        limit(async () => {
          if (await fastCheck(pool, auditor, x.p, candidate(x.p, x.i, x.good))) passed.push(x);
        }),
      ),
    );
  });
  t0 = performance.now();
  const second = await Promise.all(passed.map(toStrict));
  const stage2 = { wallMs: performance.now() - t0, costMs: second.length * 2 * buildMs };
  return { strictAll, fast, stage2, strictRuns: second.length };
}

const quick = values.quick;
const problems = quick ? 4 : 8;
console.log(
  `cost model (scaled 20x down): command ${COMMAND_MS} ms, statement with sorry ${STATEMENT_MS} ms, import Mathlib ${IMPORT_MS} ms (cached per REPL), audit ${AUDIT_MS} ms, comparator 2 builds x ${IMPORT_MS + COMMAND_MS} ms; ${REPLS} REPLs`,
);
console.log(
  `\n(1) fast audit vs plain check: P problems x k candidates, statement given (elaborated once per problem per worker, then cached)`,
);
console.log("  k    P   plain cost  fast cost  fast/plain (model)   plain wall  fast wall  fast/plain (wall)");
const fastRatio: Record<string, number> = {};
const wallRatio: Record<string, number> = {};
for (const k of [1, 8, 32]) {
  const p = k === 32 ? Math.max(1, problems / 4) : problems;
  const r = await fastVsPlain(p, k);
  fastRatio[`k${k}`] = Number((r.fast.costMs / r.plain.costMs).toFixed(3));
  wallRatio[`k${k}`] = Number((r.fast.wallMs / r.plain.wallMs).toFixed(3));
  console.log(
    `  ${String(k).padEnd(4)} ${String(p).padEnd(4)} ${r.plain.costMs.toFixed(0).padStart(9)}  ${r.fast.costMs.toFixed(0).padStart(9)}  ${fastRatio[`k${k}`]!.toFixed(2).padStart(9)}x          ${r.plain.wallMs.toFixed(0).padStart(9)}  ${r.fast.wallMs.toFixed(0).padStart(9)}  ${wallRatio[`k${k}`]!.toFixed(2).padStart(9)}x`,
  );
}
console.log(
  "  (wall time also counts the doubles' own CPU, which a real REPL does not spend: the model cost is the figure)",
);
const n = quick ? 100 : Number(values.candidates);
console.log(
  `\n(2) strict evaluation of ${n} candidates, 20 % correct: two-stage (fast on all, comparator on the fast-valid) vs comparator on all`,
);
const s = await twoStage(n, 0.2);
const model = (s.fast.costMs + s.stage2.costMs) / s.strictAll.costMs;
const wall = (s.fast.wallMs + s.stage2.wallMs) / s.strictAll.wallMs;
console.log(`  comparator on all: cost ${s.strictAll.costMs} ms, wall ${s.strictAll.wallMs.toFixed(0)} ms`);
console.log(
  `  two-stage: fast cost ${s.fast.costMs} ms + ${s.strictRuns} comparator runs ${s.stage2.costMs} ms; wall ${(s.fast.wallMs + s.stage2.wallMs).toFixed(0)} ms`,
);
console.log(`  two-stage / comparator on all: ${model.toFixed(2)}x (model), ${wall.toFixed(2)}x (wall)`);
console.log(
  JSON.stringify({
    "bench": "verify",
    fastOverPlain: fastRatio,
    fastOverPlainWall: wallRatio,
    twoStageOverStrictAll: Number(model.toFixed(3)),
    twoStageOverStrictAllWall: Number(wall.toFixed(3)),
    candidates: n,
    strictRuns: s.strictRuns,
    goals: { fastAtK8: fastRatio.k8! <= 1.15, twoStage: model <= 0.3 },
  }),
);
