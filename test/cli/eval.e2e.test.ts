// End to end: `leanfleet eval` (the real CLI through its bin shim, as a child process) on a 200-item dataset with 40 groups and early
// stop, against the local cluster running on the REPL double; the printed and written summary (and the --report page's)
// must agree with the results file, and the verdicts with how the dataset was built. Also datasets as people have them
// (id, name, split, meta; a miniF2F file with header, formal_statement and a proof field) come back with id and meta.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findTagged, startLocalCluster, type LocalCluster } from "../../services/local-cluster/index.js";
import { summarise, type EvalSummary } from "../../cli/eval-summary.js";
import type { JobResult } from "../../services/jobs/index.js";
import { runCli } from "./helpers/run-cli.js";

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const GROUPS = 40;
const PER_GROUP = 5;

/** Candidate k of group g is correct when k === g % 6, so groups with g % 6 === 5 have no correct candidate. */
const isCorrect = (g: number, k: number) => k === g % 6;

function dataset(): string {
  const lines: string[] = [];
  for (let g = 0; g < GROUPS; g++) {
    for (let k = 0; k < PER_GROUP; k++) {
      const body = isCorrect(g, k) ? "  trivial" : "  -- @double error unsolved goals\n  trivial";
      lines.push(JSON.stringify({ code: `theorem p${g}_c${k} : True := by\n${body}`, group: `p${g}` }));
    }
  }
  return lines.join("\n") + "\n";
}

describe("leanfleet eval against the local cluster (simulated)", () => {
  let cluster: LocalCluster;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "leanfleet-eval-"));
    cluster = await startLocalCluster({
      workers: { min: 2, max: 2 },
      port: 0,
      simulate: true,
      logDir: join(dir, "logs"),
      onNotice: () => undefined,
    });
  }, 120_000);

  afterAll(async () => {
    await cluster?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
    // No process of the cluster (API, workers, REPL doubles) survives (zombies do not count, stack.md G12).
    if (cluster) expect(findTagged(cluster.tag, true)).toEqual([]);
  }, 60_000);

  it("writes 200 results, and a summary that matches the results file", async () => {
    const ds = join(dir, "minif2f-like.jsonl");
    writeFileSync(ds, dataset());
    const out = join(dir, "results.jsonl");
    const summaryOut = join(dir, "summary.json");
    const run = await execa(
      process.execPath,
      [
        join(REPO, "bin/leanfleet.js"),
        "--endpoint",
        cluster.endpoint!,
        "eval",
        ds,
        "--early-stop",
        "--out",
        out,
        "--summary-out",
        summaryOut,
        "--report",
      ],
      { cwd: dir, reject: false, env: { LEANFLEET_API_KEY: "" }, timeout: 150_000 },
    );
    expect(run.exitCode, run.stderr).toBe(0);

    // The results file: one line per dataset item, each item exactly once.
    const lines = readFileSync(out, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as JobResult & { index: number });
    expect(lines).toHaveLength(GROUPS * PER_GROUP);
    expect(new Set(lines.map((l) => l.jobId)).size).toBe(200);
    expect(lines.map((l) => l.index).sort((a, b) => a - b)).toEqual(Array.from({ length: 200 }, (_, i) => i));
    expect(lines.every((l) => l.simulated === true)).toBe(true);

    // Verdicts follow the dataset's design; skipped items only in groups that already have a valid candidate.
    const validGroups = new Set<string>();
    for (const l of lines) {
      const g = Math.floor(l.index / PER_GROUP);
      const k = l.index % PER_GROUP;
      expect(l.group).toBe(`p${g}`);
      if (l.status === "skipped") continue;
      expect(l.verdict, `item ${l.index}`).toBe(isCorrect(g, k) ? "valid" : "invalid");
      if (l.verdict === "valid") validGroups.add(l.group!);
    }
    for (const l of lines.filter((x) => x.status === "skipped")) expect(validGroups.has(l.group!)).toBe(true);
    const solvable = Array.from({ length: GROUPS }, (_, g) => g).filter((g) => g % 6 < PER_GROUP).length;

    // The summary written by the CLI equals the one recomputed from the results file.
    const written = JSON.parse(readFileSync(summaryOut, "utf8")) as EvalSummary & {
      batchId: string;
      resultsFile: string;
    };
    const recomputed = summarise(lines);
    const { batchId, resultsFile, ...summary } = written;
    expect(summary).toEqual(recomputed);
    expect(batchId).toMatch(/^b_/);
    expect(resultsFile).toBe(out);
    expect(summary.groups).toEqual({
      total: GROUPS,
      passed: solvable,
      passRate: solvable / GROUPS,
      maxAttempts: PER_GROUP,
    });
    expect(summary.items).toBe(200);
    expect(summary.byStatus.ok + summary.byStatus.lean_error + summary.byStatus.skipped).toBe(200);
    expect(summary.runMs.count).toBe(200 - summary.byStatus.skipped);

    // The printed summary says the same, and flags the simulation prominently.
    const stdout = run.stdout;
    expect(stdout).toContain("SIMULATED");
    expect(stdout).toContain(
      `pass@k by group: ${solvable}/${GROUPS} groups passed (${((solvable / GROUPS) * 100).toFixed(1)}%)`,
    );
    expect(stdout).toContain(`items: 200, valid: ${summary.valid}`);
    expect(stdout).toContain(`p50 ${summary.runMs.p50}, p90 ${summary.runMs.p90}, p99 ${summary.runMs.p99}`);
    expect(stdout).toContain(`lean_error ${summary.byStatus.lean_error}, timeout 0, crashed 0, rejected 0`);
    expect(stdout).toContain(`skipped by early stop ${summary.byStatus.skipped}`);
    expect(run.stderr).toContain("SIMULATED");

    // --report: the HTML report beside the results, whose summary is the one printed.
    const reportPath = join(dir, "results.report.html");
    expect(stdout).toContain(`report: ${reportPath}`);
    const data = /<script type="application\/json" id="report-data">(.*?)<\/script>/s.exec(
      readFileSync(reportPath, "utf8"),
    );
    const { perGroup: _groups, ...headline } = summary;
    expect(JSON.parse(data![1]!).summary).toEqual(headline);

    // The server's own progress agrees.
    const progress = (await (await fetch(`${cluster.endpoint}/v1/batches/${batchId}`)).json()) as {
      total: number;
      done: number;
      valid: number;
      complete: boolean;
    };
    expect(progress).toMatchObject({ total: 200, done: 200, valid: summary.valid, complete: true });

    // Results carry trust (the double's fast audit): the summary and `leanfleet status BATCH` count by trust level.
    expect(summary.byTrust?.fast.valid).toBe(summary.valid);
    expect(summary.byTrust?.strict).toBeUndefined();
    const fastLine = `trust fast   (errors, sorries, axioms, statement, options): valid ${summary.valid} (`;
    expect(stdout).toContain(fastLine);
    const status = await runCli(cluster.endpoint!, "status", batchId);
    expect(status.out.find((l) => l.startsWith(`  ${fastLine}`))).toContain(
      `pass@1 ${(summary.byTrust!.fast.passAtK[0]! * 100).toFixed(1)}%`,
    );
  }, 180_000);
  it("runs a dataset with id, name, split and meta fields, and a miniF2F file as prover papers ship it; results carry id and meta", async () => {
    const own = join(dir, "own.jsonl");
    writeFileSync(
      own,
      [
        { id: "t-1", name: "two", split: "test", meta: { sample: 0 }, code: "theorem two : 1 + 1 = 2 := by rfl" },
        { id: "t-2", name: "two", split: "test", meta: { sample: 1 }, code: "theorem two : 1 + 1 = 3 := by rfl" },
      ]
        .map((o) => JSON.stringify(o))
        .join("\n") + "\n",
    );
    const ownOut = join(dir, "own.results.jsonl");
    const a = await runCli(cluster.endpoint!, "eval", own, "--out", ownOut, "--no-progress");
    expect(a.thrown).toBeUndefined();
    expect(a.err.filter((l) => l.includes("not sent"))).toEqual([
      'note: fields "name", "split" are not sent (lines with their own "meta" keep it as is); results carry "index", the dataset line they answer',
    ]);
    const ownResults = readFileSync(ownOut, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as JobResult & { index: number });
    ownResults.sort((x, y) => x.index - y.index);
    expect(ownResults.map((r) => [r.id, r.meta, r.group, r.verdict])).toEqual([
      ["t-1", { sample: 0 }, "t-1", "valid"],
      ["t-2", { sample: 1 }, "t-2", "invalid"],
    ]);

    // DeepSeek-Prover's miniF2F lines with a model's proof in formal_proof (two samples of one problem, one wrong).
    const header =
      "import Mathlib\nimport Aesop\n\nset_option maxHeartbeats 400000\n\nopen BigOperators Real Nat Topology Rat\n\n";
    const problem = {
      name: "mathd_numbertheory_237",
      split: "valid",
      informal_prefix: "/-- Show that the remainder is 3.-/\n",
      header,
      formal_statement: "theorem mathd_numbertheory_237 : (1 + 2) % 6 = 3 := by\n",
    };
    const minif2f = join(dir, "minif2f.jsonl");
    writeFileSync(
      minif2f,
      [
        { ...problem, formal_proof: "  norm_num" },
        { ...problem, formal_proof: "  rfl\n  -- @double error unsolved goals" },
      ]
        .map((o) => JSON.stringify(o))
        .join("\n") + "\n",
    );
    const mOut = join(dir, "minif2f.results.jsonl");
    const m = await runCli(cluster.endpoint!, "eval", minif2f, "--out", mOut, "--no-progress", "--verify", "fast");
    expect(m.thrown).toBeUndefined();
    const mResults = readFileSync(mOut, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as JobResult & { index: number });
    mResults.sort((x, y) => x.index - y.index);
    for (const r of mResults) {
      expect(r).toMatchObject({
        id: problem.name,
        group: problem.name,
        trust: "fast",
        meta: { split: "valid", informal_prefix: problem.informal_prefix },
      });
    }
    expect(mResults.map((r) => r.verdict)).toEqual(["valid", "invalid"]);
    // The statement went along: the fast audit compared the proof's theorem with the dataset's.
    expect(mResults[0]!.checks?.find((c) => c.name === "statement")).toMatchObject({ ok: true });
    expect(m.out.join("\n")).toContain("pass@k by group: 1/1 groups passed");
  }, 120_000);
  it("--early-stop on a 60-group dataset ordered by problem skips at least 80 % of what the same dataset interleaved by hand skips", async () => {
    // Candidate k of group g is the first valid one when k === g % 3: 0, 1 or 2 candidates to run before it, 2..4 skippable.
    const G = 60;
    const K = 5;
    const item = (g: number, k: number) => ({
      code: `theorem q${g}_${k} : True := by\n${k === g % 3 ? "" : "  -- @double error unsolved goals\n"}  trivial`,
      group: `q${g}`,
    });
    const byProblem = Array.from({ length: G * K }, (_, i) => item(Math.floor(i / K), i % K));
    const byHand = Array.from({ length: G * K }, (_, i) => item(i % G, Math.floor(i / G)));
    const skipped = async (name: string, rows: object[]) => {
      const ds = join(dir, `${name}.jsonl`);
      writeFileSync(ds, rows.map((r) => JSON.stringify(r)).join("\n") + "\n");
      const out = join(dir, `${name}.results.jsonl`);
      const run = await runCli(cluster.endpoint!, "eval", ds, "--early-stop", "--out", out, "--no-progress");
      expect(run.thrown).toBeUndefined();
      const results = readFileSync(out, "utf8")
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l) as JobResult & { index: number });
      expect(results.map((r) => r.index).sort((a, b) => a - b)).toEqual(Array.from({ length: G * K }, (_, i) => i));
      // Each result lines up with its dataset line: its group, and a valid verdict only on the designed candidate.
      for (const r of results) {
        const line = rows[r.index] as { code: string; group: string };
        expect(r.group).toBe(line.group);
        if (r.status !== "skipped")
          expect(r.verdict === "valid", `${name} line ${r.index}`).toBe(!line.code.includes("@double error"));
      }
      return results.filter((r) => r.status === "skipped").length;
    };
    const hand = await skipped("interleaved-by-hand", byHand);
    const problem = await skipped("ordered-by-problem", byProblem);
    expect(hand).toBeGreaterThan(0);
    expect(problem).toBeGreaterThanOrEqual(0.8 * hand);
  }, 150_000);
});
