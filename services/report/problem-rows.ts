// One row per problem (a group, or an item without a group): its status, attempts, best time and first error message,
// and, where results carry them, trust level, failed checks and environment ids.
import type { ReportResult } from "./report-result.js";

/** A problem's status: `solved` when any attempt is valid, else its best attempt's status (in this order). */
export const PROBLEM_STATUSES = [
  "solved",
  "invalid",
  "lean_error",
  "timeout",
  "crashed",
  "rejected",
  "skipped",
] as const;
/** One of {@link PROBLEM_STATUSES}; `invalid` means the REPL answered without error but with a sorry or an unfinished proof. */
export type ProblemStatus = (typeof PROBLEM_STATUSES)[number];

/** Longest first-error message kept per problem (the rest is cut, with a note). */
export const MAX_ERROR_CHARS = 2000;

/** A problem of the run. */
export interface ProblemRow {
  /** The group, else the item's `id`, else `#` and its dataset index (or line). */
  name: string;
  status: ProblemStatus;
  /** Items of the problem (early-stop skips included). */
  attempts: number;
  /** Items that ran. */
  ran: number;
  valid: number;
  /** Fastest valid attempt if solved, else fastest attempt that ran; undefined when none ran. */
  bestMs: number | undefined;
  /** Message of the first failed attempt (dataset order), if any failed. */
  firstError: string | undefined;
  /** Trust level of the best attempt, where results carry it. */
  trust: string | undefined;
  /** Names of failed checks over the attempts, where results carry checks. */
  failedChecks: string[];
  /** Environment ids over the attempts, where results carry them. */
  envs: string[];
}

const RANK: Record<ReportResult["status"], number> = {
  ok: 1,
  lean_error: 2,
  timeout: 3,
  crashed: 4,
  rejected: 5,
  skipped: 6,
};

/** A string shown for a free-form field (trust, env): a string or number as is, an object's id/level/name, else undefined. */
export function fieldLabel(x: unknown): string | undefined {
  if (typeof x === "string" || typeof x === "number") return String(x);
  if (x && typeof x === "object") {
    const o = x as Record<string, unknown>;
    for (const k of ["id", "level", "name"]) if (typeof o[k] === "string") return o[k];
  }
  return undefined;
}

function failedCheck(value: unknown): boolean {
  if (value === false) return true;
  if (!value || typeof value !== "object") return false;
  const o = value as Record<string, unknown>;
  return o.ok === false || o.passed === false || o.status === "failed" || o.status === "fail";
}

/** Names of the failed checks of a result, whether `checks` is an array of `{name, ok}` or a record by name. */
export function failedChecksOf(checks: unknown): string[] {
  if (Array.isArray(checks)) {
    return checks
      .filter(failedCheck)
      .map(
        (c, i) =>
          fieldLabel(c) ??
          (typeof (c as { check?: unknown }).check === "string" ? (c as { check: string }).check : `check ${i + 1}`),
      );
  }
  if (checks && typeof checks === "object")
    return Object.entries(checks)
      .filter(([, v]) => failedCheck(v))
      .map(([k]) => k);
  return [];
}

/** The first error message of a failed result: its error, the REPL's error answer, its first error message, or a sorry. */
export function firstErrorOf(r: ReportResult): string | undefined {
  if (r.verdict === "valid" || r.status === "skipped") return undefined;
  let text: string | undefined = r.error?.message;
  const resp = r.response as { message?: unknown; messages?: unknown; sorries?: unknown } | undefined;
  if (text === undefined && resp && typeof resp === "object") {
    if (typeof resp.message === "string") text = resp.message;
    const messages = Array.isArray(resp.messages)
      ? (resp.messages as { severity?: string; data?: string; pos?: { line?: number; column?: number } }[])
      : [];
    const bad =
      messages.find((m) => m.severity === "error") ??
      messages.find((m) => typeof m.data === "string" && m.data.includes("sorry"));
    if (text === undefined && bad && typeof bad.data === "string")
      text = bad.pos ? `${bad.pos.line}:${bad.pos.column}: ${bad.severity}: ${bad.data}` : bad.data;
    if (text === undefined && Array.isArray(resp.sorries) && resp.sorries.length > 0) text = "declaration uses 'sorry'";
  }
  if (text === undefined) text = r.status === "ok" ? "not valid (unfinished proof)" : r.status;
  return text.length > MAX_ERROR_CHARS
    ? `${text.slice(0, MAX_ERROR_CHARS)}… (${text.length - MAX_ERROR_CHARS} more characters)`
    : text;
}

/** Name of the problem a result belongs to (see {@link ProblemRow.name}); `line` is its position in the file. */
export function problemNameOf(r: ReportResult, line: number): string {
  if (r.group !== undefined) return r.group;
  if (r.id !== undefined) return String(r.id);
  return `#${r.index ?? line}`;
}

/** Rows per problem, in the order problems first appear; items without a group are problems of their own. */
export function problemRows(results: readonly ReportResult[]): ProblemRow[] {
  const byName = new Map<string, { rows: { r: ReportResult; order: number }[] }>();
  const groups: { rows: { r: ReportResult; order: number }[] }[] = [];
  results.forEach((r, line) => {
    const order = r.index ?? line;
    // Items without a group are always problems of their own, as in the summary, even if two share an id.
    const key = r.group !== undefined ? `g:${r.group}` : undefined;
    let g = key === undefined ? undefined : byName.get(key);
    if (!g) {
      g = { rows: [] };
      groups.push(g);
      if (key !== undefined) byName.set(key, g);
    }
    g.rows.push({ r, order });
  });
  return groups.map(({ rows }) => {
    rows.sort((a, b) => a.order - b.order);
    const first = rows[0]!;
    let best: ReportResult | undefined;
    let valid = 0;
    let ran = 0;
    let firstError: string | undefined;
    const failedChecks = new Set<string>();
    const envs = new Set<string>();
    for (const { r } of rows) {
      if (r.status !== "skipped") ran++;
      if (r.verdict === "valid") valid++;
      if (firstError === undefined) firstError = firstErrorOf(r);
      for (const c of failedChecksOf(r.checks)) failedChecks.add(c);
      const env = fieldLabel(r.env);
      if (env !== undefined) envs.add(env);
      if (!best || better(r, best)) best = r;
    }
    const bestRan = best && best.status !== "skipped" ? best : undefined;
    return {
      name: problemNameOf(first.r, first.order),
      status: valid > 0 ? "solved" : best!.status === "ok" ? "invalid" : best!.status,
      attempts: rows.length,
      ran,
      valid,
      bestMs: bestRan?.timings.runMs,
      firstError,
      trust: best ? fieldLabel(best.trust) : undefined,
      failedChecks: [...failedChecks],
      envs: [...envs],
    };
  });
}

/** Whether a is a better attempt than b: valid first, then by status rank, then faster. */
function better(a: ReportResult, b: ReportResult): boolean {
  const va = a.verdict === "valid" ? 0 : RANK[a.status];
  const vb = b.verdict === "valid" ? 0 : RANK[b.status];
  return va !== vb ? va < vb : a.timings.runMs < b.timings.runMs;
}
