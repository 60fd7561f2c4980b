// bench/scheduling: total wall time and elaboration work of four pool policies (LeanFleet affinity, Kimina Lean
// Server, LeanInteract, round-robin) on the same 4 REPLs of the REPL double with its cost model, for three workloads,
// each policy's work relative to the ideal. `--quick` runs a tenth of the sizes.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { LeanServer, ReplPool } from "../services/repl/index.js";
import { createPolicy, POLICY_NAMES, type PolicyName } from "./lib/peer-policies.js";
import { coldMixed, drive, editStream, proofSearch, type Workload } from "./lib/scheduling-workloads.js";
import { prepareStatsDouble, subWork, workIn, type Work } from "./lib/stats-double.js";

// Cost model, scaled down from `import Mathlib` = 2000 ms / 1500 MiB so the bench finishes in a few minutes; the
// ratio of a header load to a command (50:1) stays in the range of real Mathlib files.
const REPLS = 4;
const MATHLIB_MS = 100;
const OTHER_IMPORT_MS = 50;
const COMMAND_MS = 2;
const PREWARM = "import Mathlib";
const COST_FLAGS = [
  "--import-cost",
  `Mathlib=${MATHLIB_MS}:8`,
  "--default-import-cost",
  `${OTHER_IMPORT_MS}:1`,
  "--command-cost-ms",
  String(COMMAND_MS),
];

// The double, bundled once with esbuild, its processes reporting their work into per-run stats directories.
const work = mkdtempSync(join(tmpdir(), "leanfleet-bench-scheduling-"));
process.on("exit", () => rmSync(work, { recursive: true, force: true }));
const double = await prepareStatsDouble(work);

// Sizes: `--full` runs the full sizes (200 edit versions, 1000 proof candidates, 500 snippets; ~5 min here, most
// of it Kimina's restarts); the default keeps the edit stream whole and runs 40% of the proof search and of the cold
// mix so the bench stays near 2 minutes; `--quick` runs a tenth. `--policies a,b` runs a subset.
const full = process.argv.includes("--full");
const quick = process.argv.includes("--quick");
const sizes = full
  ? { edits: 200, candidates: 1000, snippets: 500 }
  : quick
    ? { edits: 20, candidates: 100, snippets: 50 }
    : { edits: 200, candidates: 400, snippets: 200 };
const policiesArg = process.argv.find((a) => a.startsWith("--policies="))?.slice("--policies=".length);
const POLICIES = policiesArg ? (policiesArg.split(",") as PolicyName[]) : [...POLICY_NAMES];
const WORKLOADS: Workload[] = [
  editStream(sizes.edits, 10, 40),
  proofSearch(sizes.candidates, quick ? 10 : 50),
  coldMixed(sizes.snippets, 20),
];

interface PolicyResult {
  policy: PolicyName;
  wallMs: number;
  work: Work;
  restarts: number;
  failures: number;
  rules: Record<string, number>;
}

let runs = 0;
/** The double writes its stats line just after each answer: give the last ones time to land before reading. */
const STATS_SETTLE_MS = 300;

/** Run one workload on a fresh 4-REPL pool under one policy; work is summed over every double process it used. */
async function runPolicy(policy: PolicyName, workload: Workload): Promise<PolicyResult> {
  const statsDir = join(work, `run-${runs++}`);
  const pool = new ReplPool(double.config(statsDir, COST_FLAGS), {
    size: REPLS,
    policy: policy === "leanfleet" ? policy : createPolicy(policy),
    prewarmHeader: PREWARM,
    maxQueued: 1_000_000,
    maxWaitMs: 3_600_000,
  });
  await pool.start();
  await sleep(STATS_SETTLE_MS);
  const baseline = workIn(statsDir); // the pre-warm of every REPL, the same for all policies
  let failures = 0;
  const t0 = performance.now();
  await drive(workload, async (item) => {
    const o = await pool.run({ cmd: item.cmd });
    if (o.status !== "ok") failures++;
  });
  const wallMs = performance.now() - t0;
  await sleep(STATS_SETTLE_MS);
  const done = workIn(statsDir);
  const stats = pool.stats();
  await pool.close();
  return { policy, wallMs, work: subWork(done, baseline), restarts: stats.restarts, failures, rules: stats.rules };
}

/**
 * The ideal, a lower bound: one double with incrementality that sees the whole workload in order and never forgets,
 * so only never-seen command suffixes are elaborated and each header is loaded once (after the same pre-warm as the
 * pools, which is excluded). Commands are counted at no cost and charged COMMAND_MS each.
 */
async function ideal(workload: Workload): Promise<Work> {
  const statsDir = join(work, `ideal-${runs++}`);
  const server = new LeanServer(
    double.config(statsDir, [
      "--import-cost",
      `Mathlib=${MATHLIB_MS}:8`,
      "--default-import-cost",
      `${OTHER_IMPORT_MS}:1`,
    ]),
  );
  await server.run({ cmd: PREWARM, incrementality: true });
  await sleep(STATS_SETTLE_MS);
  const baseline = workIn(statsDir);
  for (const item of workload.items) await server.run({ cmd: item.cmd, incrementality: true });
  await sleep(STATS_SETTLE_MS);
  const w = subWork(workIn(statsDir), baseline);
  await server.close();
  return { ...w, costMs: w.commands * COMMAND_MS + w.costMs };
}

const summary: Record<string, unknown> = {};
const t00 = performance.now();
console.log(
  `REPL double cost model (scaled): import Mathlib(.*) ${MATHLIB_MS} ms / 8 MiB (real: ~2000 ms / 1500 MiB), other imports ${OTHER_IMPORT_MS} ms,`,
);
console.log(
  `${COMMAND_MS} ms per elaborated command; ${REPLS} REPLs per pool, each pre-warmed with \`${PREWARM}\` (pre-warm excluded from work).`,
);
console.log(
  `work = simulated elaboration ms charged by the doubles (--stats: commands x ${COMMAND_MS} ms + modules loaded x their cost), summed over every process;`,
);
console.log(
  `ideal = only never-seen command suffixes elaborated and each header loaded once in the whole pool; sizes: ${full ? "full (--full: 200 edits, 1000 candidates, 500 snippets)" : quick ? "a tenth of full (--quick)" : "edit stream full, proof search and cold mix at 40% of full (--full for all)"}`,
);
console.log(
  "kimina, leaninteract and round-robin are LeanFleet's re-implementations of those schedulers (bench/lib/peer-policies.ts) on the",
);
console.log(
  "same pool and REPL double, not the projects' own code: Kimina Lean Server keys REPLs by header and restarts one for a new",
);
console.log(
  "header; LeanInteract's LeanServerPool takes a REPL holding the request's state, else the most recently freed one;",
);
console.log("round-robin takes the next free REPL in turn, with no reuse.");
console.log(
  "rules = how many requests each scheduling rule placed: handle (the REPL holding the request's env/proof-state handle),",
);
console.log(
  "prefix (the REPL with the longest elaborated prefix of the command), header (a REPL with its imports loaded), idle (an",
);
console.log(
  "unused REPL), evict (the least recently used REPL, which loads the new header; Kimina restarts it), any (any free REPL:",
);
console.log("no header to match, or a policy without affinity).");
for (const workload of WORKLOADS) {
  const best = await ideal(workload);
  const results: PolicyResult[] = [];
  for (const policy of POLICIES) results.push(await runPolicy(policy, workload));
  const lf = results.find((r) => r.policy === "leanfleet") ?? results[0]!;
  console.log(`\n## ${workload.name}: ${workload.description}`);
  console.log(`ideal: ${best.costMs} ms of work (${best.commands} commands, ${best.imports} modules loaded)`);
  console.log("policy        | wall s | work ms | commands | imports | restarts | work/ideal | work/LeanFleet | rules");
  for (const r of results) {
    console.log(
      [
        r.policy.padEnd(13),
        (r.wallMs / 1000).toFixed(2).padStart(6),
        String(r.work.costMs).padStart(7),
        String(r.work.commands).padStart(8),
        String(r.work.imports).padStart(7),
        String(r.restarts).padStart(8),
        `${(r.work.costMs / best.costMs).toFixed(2)}x`.padStart(10),
        `${(r.work.costMs / lf.work.costMs).toFixed(2)}x`.padStart(14),
        Object.entries(r.rules)
          .filter(([, n]) => n > 0)
          .map(([k, n]) => `${k}:${n}`)
          .join(" ") + (r.failures ? ` FAILURES:${r.failures}` : ""),
      ].join(" | "),
    );
  }
  summary[workload.name.replace(/ /g, "_")] = {
    requests: workload.items.length,
    idealWorkMs: best.costMs,
    ...Object.fromEntries(
      results.map((r) => [
        r.policy,
        {
          wallMs: Math.round(r.wallMs),
          workMs: r.work.costMs,
          vsIdeal: Number((r.work.costMs / best.costMs).toFixed(3)),
          failures: r.failures,
        },
      ]),
    ),
  };
}
const edit = summary.edit_stream as Record<string, { workMs: number; vsIdeal: number } | undefined>;
const search = summary.proof_search as Record<string, { workMs: number; vsIdeal: number } | undefined>;
const goals =
  edit.leanfleet && search.leanfleet && edit["round-robin"]
    ? {
        editWithin10pctOfIdeal: edit.leanfleet.vsIdeal <= 1.1,
        searchWithin10pctOfIdeal: search.leanfleet.vsIdeal <= 1.1,
        editRoundRobinOverLeanFleet: Number((edit["round-robin"].workMs / edit.leanfleet.workMs).toFixed(2)),
      }
    : null;
if (goals) {
  console.log(
    `\ngoals: LeanFleet within 10% of ideal on edit stream ${goals.editWithin10pctOfIdeal ? "met" : "NOT met"} (${edit.leanfleet!.vsIdeal}x), on proof search ${goals.searchWithin10pctOfIdeal ? "met" : "NOT met"} (${search.leanfleet!.vsIdeal}x); round-robin / LeanFleet work on edit stream ${goals.editRoundRobinOverLeanFleet}x (goal >= 3x: ${goals.editRoundRobinOverLeanFleet >= 3 ? "met" : "NOT met"})`,
  );
}
console.log(`bench time ${((performance.now() - t00) / 1000).toFixed(0)} s`);
console.log(
  JSON.stringify({
    "bench": "scheduling",
    sizes,
    repls: REPLS,
    costModel: { mathlibMs: MATHLIB_MS, otherImportMs: OTHER_IMPORT_MS, commandMs: COMMAND_MS },
    ...summary,
    goals,
  }),
);
