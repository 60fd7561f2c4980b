// The evaluation summary as text for the terminal; the summary itself is computed in services/batches (shared with
// the report, the API and nightly runs) and re-exported here.
import { type EvalSummary } from "../services/batches/index.js";

export { percentile, summarise, type EvalSummary, type SummaryInput } from "../services/batches/index.js";

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

/** The k at which the text summary shows pass@k: all up to 16, else 1, 2, 4, 8, ... and the largest. */
export function shownKs(maxK: number): number[] {
  if (maxK <= 16) return Array.from({ length: maxK }, (_, i) => i + 1);
  const ks: number[] = [];
  for (let k = 1; k < maxK; k *= 2) ks.push(k);
  return [...ks, maxK];
}

/**
 * One line per trust level (valid count and pass@k), for the summary and `leanfleet status BATCH`; none without
 * trust. `of` adds the denominators (items that ran, groups) when the caller knows them.
 */
export function trustLines(byTrust: EvalSummary["byTrust"], of?: { ran: number; groups: number }): string[] {
  if (!byTrust) return [];
  const levels = [
    ["fast  ", "errors, sorries, axioms, statement, options", byTrust.fast],
    ["strict", "fast + comparator", byTrust.strict],
  ] as const;
  const lines: string[] = [];
  for (const [name, what, t] of levels) {
    if (t === undefined) continue;
    const ks = shownKs(t.passAtK.length).map((k) => `pass@${k} ${pct(t.passAtK[k - 1]!)}`);
    const valid = of
      ? `valid ${t.valid} (${pct(t.validRate)} of ${of.ran} that ran), ${t.groupsPassed}/${of.groups} groups passed`
      : `valid ${t.valid} (${pct(t.validRate)} of those that ran), ${t.groupsPassed} groups passed`;
    lines.push(`trust ${name} (${what}): ${valid}${ks.length ? `, ${ks.join(", ")}` : ""}`);
  }
  return lines;
}

/** The summary as text lines for the terminal. */
export function formatSummary(s: EvalSummary, options: { wallMs?: number; maxGroupLines?: number } = {}): string[] {
  const lines: string[] = [];
  if (s.simulated)
    lines.push("SIMULATED: these results come from the REPL double, not from Lean; they are not Lean verdicts.");
  const envs = s.environments ?? [];
  if (envs.length > 1)
    lines.push(
      `MIXED ENVIRONMENTS: these results come from ${envs.length} environments (${envs.map((e) => e.id).join(", ")}); the overall figures mix them, pass@k per environment is below.`,
    );
  const wall = options.wallMs !== undefined ? `, wall time ${(options.wallMs / 1000).toFixed(1)} s` : "";
  const span = s.spanMs > 0 ? `, batch span ${(s.spanMs / 1000).toFixed(1)} s` : "";
  lines.push(`items: ${s.items}, valid: ${s.valid} (${pct(s.validRate)} of ${s.ran} that ran)${wall}${span}`);
  lines.push(
    `pass@k by group: ${s.groups.passed}/${s.groups.total} groups passed (${pct(s.groups.passRate)}), k <= ${s.groups.maxAttempts} candidates per group`,
  );
  if (s.passAtK.length > 0) {
    const shown = shownKs(s.passAtK.length).map((k) => `pass@${k} ${pct(s.passAtK[k - 1]!)}`);
    lines.push(`unbiased (Chen et al. 2021, over attempts that ran): ${shown.join(", ")}`);
  }
  lines.push(...trustLines(s.byTrust, { ran: s.ran, groups: s.groups.total }));
  const maxLines = options.maxGroupLines ?? 50;
  if (s.perGroup.length <= maxLines) {
    for (const g of s.perGroup)
      lines.push(`  ${g.passed ? "PASS" : "fail"}  ${g.group}  (${g.valid}/${g.attempts} valid)`);
  }
  lines.push(
    `run time (ms, ${s.runMs.count} items that ran): p50 ${s.runMs.p50}, p90 ${s.runMs.p90}, p99 ${s.runMs.p99}, max ${s.runMs.max}`,
  );
  lines.push(`queued time (ms): p50 ${s.queuedMs.p50}, p99 ${s.queuedMs.p99}`);
  const failures = (["lean_error", "timeout", "crashed", "rejected"] as const)
    .map((st) => `${st} ${s.byStatus[st]}`)
    .join(", ");
  lines.push(
    `failures by status: ${failures}; ok but invalid (sorry or unfinished proof) ${s.byStatus.ok - s.valid}; skipped by early stop ${s.byStatus.skipped} (not failures)`,
  );
  if (envs.length === 1)
    lines.push(
      `environment: ${envs[0]!.id} (the record: leanfleet env ${envs[0]!.id}, or GET /v1/environments/${envs[0]!.id})`,
    );
  for (const e of envs.length > 1 ? envs : []) {
    const ks = shownKs(e.passAtK.length).map((k) => `pass@${k} ${pct(e.passAtK[k - 1]!)}`);
    lines.push(
      `environment ${e.id}: ${e.items} items, valid ${e.valid} (${pct(e.ran ? e.valid / e.ran : 0)} of ${e.ran} that ran), ${e.groups.passed}/${e.groups.total} groups passed${ks.length ? `, ${ks.join(", ")}` : ""}`,
    );
  }
  for (const [id, n] of Object.entries(s.advisories ?? {}))
    lines.push(
      `ADVISORY ${id}: ${n} results were made in an affected environment (advisories/lean-advisories.json); re-check them with leanfleet recheck RESULTS --advisories --fleet FLEET`,
    );
  return lines;
}
