// The fast audit: after the candidate elaborated cleanly, ask Lean in the candidate's own environment which axioms
// each checked theorem depends on and what it declared, and compare with the problem's statement elaborated in a
// clean environment. Runs through the REPL set (reusing the candidate's state by its handle); adds nothing to it.
import { createHash } from "node:crypto";
import { errorMessages, type LeanRequest, type ReplResponse, type ReplRunner, type RunOutcome } from "../repl/index.js";
import { AUDIT_NAME_PATTERN, auditText, printAxiomsText } from "./audit-lean.js";
import { parseAudit, type AuditAnswer, type ConstantReport } from "./audit-parse.js";
import { describeAxiom, type Check } from "./checks.js";
import { compareStatement, type StatementInfo } from "./statement-match.js";
import { declaredTheorems, kernelOffUses, prepareStatement } from "./lean-text.js";

/** Defaults of {@link FastAuditor}. */
export const FAST_AUDIT_DEFAULTS = {
  /** Statements whose elaborated form a worker remembers (pass@k sends each problem's statement k times). @default 1000 */
  statementCacheEntries: 1000,
} as const;

/** What a job asks the verifier to check (resolved: defaults applied). */
export interface VerifySpec {
  /** The problem's formal statement (theorems with `sorry` proofs, optionally with its import header). */
  statement?: string;
  /** Theorems to check. @default - every theorem of `statement`, or every theorem the code declares */
  theorems?: string[];
  permittedAxioms: readonly string[];
}

/** How an audit ended. */
export type AuditResult =
  /** Every check that could run, in order; the verdict follows from them. `theorems`: the theorems checked. */
  | { kind: "checked"; checks: Check[]; theorems: string[]; durationMs: number }
  /** A REPL run of the audit did not answer (timeout, crash, rejected): the job ends with this outcome. */
  | { kind: "unfinished"; outcome: RunOutcome }
  /** The statement itself is unusable (does not elaborate, declares no theorem): the job is rejected. */
  | { kind: "bad_statement"; message: string };

/** Budget and cancellation of one audit. */
export interface AuditOptions {
  timeoutMs: number;
  signal?: AbortSignal;
}

const UNKNOWN_CONSTANT = /unknown constant/i;

/** The `errors` and `sorries` checks of a REPL answer (what every peer checks, and all they check). */
export function messageChecks(response: ReplResponse): Check[] {
  if (response.kind === "error")
    return [{ name: "errors", ok: false, reason: `the REPL refused the input: ${response.value.message}` }];
  const errors = errorMessages(response);
  const checks: Check[] = [
    errors.length === 0
      ? { name: "errors", ok: true }
      : { name: "errors", ok: false, reason: `${errors.length} error(s); first: ${oneLine(errors[0]!.data)}` },
  ];
  const value = response.value as { sorries?: unknown[]; messages?: { data: string }[] };
  const sorries = (value.sorries ?? []).length;
  const warned = (value.messages ?? []).some((m) => m.data.includes("declaration uses 'sorry'"));
  checks.push(
    sorries === 0 && !warned
      ? { name: "sorries", ok: true }
      : { name: "sorries", ok: false, reason: sorries > 0 ? `${sorries} sorry(s) left` : "a declaration uses 'sorry'" },
  );
  return checks;
}

/** Runs fast audits through a REPL set; remembers elaborated statements. */
export class FastAuditor {
  readonly #runner: ReplRunner;
  readonly #statements = new Map<string, StatementInfo>();
  readonly #cacheEntries: number;

  constructor(runner: ReplRunner, options: { statementCacheEntries?: number } = {}) {
    this.#runner = runner;
    this.#cacheEntries = options.statementCacheEntries ?? FAST_AUDIT_DEFAULTS.statementCacheEntries;
  }

  /**
   * Audit a candidate whose run answered without error or sorry. `outcome` is that run (made with `keep`, so its
   * environment is a handle any REPL can rebuild from `outcome.handles`); `code` is its text.
   */
  async audit(code: string, outcome: RunOutcome, spec: VerifySpec, options: AuditOptions): Promise<AuditResult> {
    const started = performance.now();
    const deadline = Date.now() + options.timeoutMs;
    const budget = () => ({
      timeoutMs: Math.max(1_000, deadline - Date.now()),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    let statement: StatementInfo | null = null;
    let names = spec.theorems ?? declaredTheorems(code);
    if (spec.statement !== undefined) {
      const got = await this.#statementInfo(spec.statement, spec.theorems, budget());
      if ("outcome" in got) return { kind: "unfinished", outcome: got.outcome };
      if ("message" in got) return { kind: "bad_statement", message: got.message };
      statement = got;
      names = statement.names;
    }
    const unauditable = names.filter((n) => !AUDIT_NAME_PATTERN.test(n));
    const auditable = names.filter((n) => AUDIT_NAME_PATTERN.test(n));
    const env = outcome.response?.kind === "command" ? outcome.response.value.env : undefined;
    const chain = outcome.handles ? { chain: outcome.handles } : {};
    const run = await this.#runner.run(
      { cmd: auditText(auditable, true), ...(env !== undefined ? { env } : {}) } as LeanRequest,
      { ...budget(), ...chain },
    );
    if (run.status !== "ok" || run.response === undefined) return { kind: "unfinished", outcome: run };
    const answer = parseAudit(messagesOf(run.response));
    // Theorems Lean lists that the text scan missed: read their axioms too (only when no statement names them).
    const missed = (c: ConstantReport) =>
      c.local && c.kind === "theorem" && !answer.axioms.has(c.name) && AUDIT_NAME_PATTERN.test(c.name);
    const extra =
      statement === null && spec.theorems === undefined
        ? [...answer.constants.values()].filter(missed).map((c) => c.name)
        : [];
    if (extra.length > 0) {
      const more = await this.#runner.run(
        { cmd: printAxiomsText(extra), ...(env !== undefined ? { env } : {}) } as LeanRequest,
        { ...budget(), ...chain },
      );
      if (more.status !== "ok" || more.response === undefined) return { kind: "unfinished", outcome: more };
      const moreAnswer = parseAudit(messagesOf(more.response));
      for (const [k, v] of moreAnswer.axioms) answer.axioms.set(k, v);
      answer.errors.push(...moreAnswer.errors);
    }
    const checked = statement === null ? [...new Set([...names, ...extra])] : names;
    const checks: Check[] = [axiomsCheck(checked, unauditable, answer, spec.permittedAxioms)];
    if (statement !== null) checks.push(compareStatement(statement, answer));
    checks.push(optionsCheck(code, answer));
    return { kind: "checked", checks, theorems: checked, durationMs: performance.now() - started };
  }

  /** The statement elaborated in a clean environment (cached): its theorems' reports. */
  async #statementInfo(
    text: string,
    theorems: string[] | undefined,
    budget: { timeoutMs: number; signal?: AbortSignal },
  ): Promise<StatementInfo | { message: string } | { outcome: RunOutcome }> {
    const prepared = prepareStatement(text);
    const names = theorems ?? declaredTheorems(prepared);
    if (names.length === 0)
      return {
        message:
          "statement: declares no theorem or lemma; give the problem as `theorem NAME … := sorry` (or name them in `theorems`)",
      };
    const bad = names.find((n) => !AUDIT_NAME_PATTERN.test(n));
    if (bad !== undefined)
      return { message: `theorems: ${JSON.stringify(bad)} is not a plain Lean name the audit can check; rename it` };
    const key = createHash("sha256").update(prepared).update("\u0000").update(names.join("\u0000")).digest("hex");
    const cached = this.#statements.get(key);
    if (cached) {
      this.#statements.delete(key);
      this.#statements.set(key, cached);
      return cached;
    }
    const run = await this.#runner.run({ cmd: `${prepared}\n\n${auditText(names, false)}` }, budget);
    if (run.status !== "ok" || run.response === undefined) return { outcome: run };
    if (run.response.kind === "error")
      return { message: `statement: the REPL refused it: ${run.response.value.message}` };
    const messages = messagesOf(run.response);
    const error = messages.find((m) => m.severity === "error" && !UNKNOWN_CONSTANT.test(m.data));
    if (error) return { message: `statement: does not elaborate: ${oneLine(error.data)}` };
    const answer = parseAudit(messages);
    const missing = names.find((n) => (answer.constants.get(n)?.kind ?? "missing") === "missing");
    if (!answer.complete || missing !== undefined)
      return { message: `statement: theorem ${missing ?? names[0]} is not declared by the statement` };
    const info: StatementInfo = { names, constants: answer.constants };
    this.#statements.set(key, info);
    if (this.#statements.size > this.#cacheEntries) this.#statements.delete(this.#statements.keys().next().value!);
    return info;
  }
}

function messagesOf(response: ReplResponse): { severity: "info" | "warning" | "error"; data: string }[] {
  return response.kind === "error"
    ? [{ severity: "error", data: response.value.message }]
    : ((response.value as { messages?: { severity: "info" | "warning" | "error"; data: string }[] }).messages ?? []);
}

function oneLine(s: string): string {
  const line = s.split("\n")[0]!;
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}

/** Axioms: every checked theorem's axioms are permitted, the code declares no axiom, and the audit itself ran. */
function axiomsCheck(
  names: readonly string[],
  unauditable: readonly string[],
  answer: AuditAnswer,
  permitted: readonly string[],
): Check {
  const found: Record<string, string[]> = {};
  const problems: string[] = [];
  const auditErrors = answer.errors.filter((e) => !UNKNOWN_CONSTANT.test(e));
  if (auditErrors.length > 0 || !answer.complete)
    problems.push(`the audit could not run in this environment: ${oneLine(auditErrors[0] ?? "no report came back")}`);
  for (const n of unauditable) problems.push(`${n}: not a plain Lean name the audit can check`);
  const allowed = new Set(permitted);
  for (const n of names) {
    const axioms = answer.axioms.get(n);
    if (axioms === undefined) {
      if (answer.constants.get(n)?.kind !== "missing") problems.push(`${n}: its axioms could not be read`);
      continue;
    }
    found[n] = axioms;
    for (const a of axioms) if (!allowed.has(a)) problems.push(`${n} ${describeAxiom(a)}`);
  }
  const declared = [...answer.constants.values()].filter(
    (c: ConstantReport) => c.local && c.kind === "axiom" && !c.name.includes("._native."),
  );
  for (const c of declared) problems.push(`the code declares axiom ${c.name}`);
  if (names.length === 0 && problems.length === 0)
    return { name: "axioms", ok: true, reason: "the code declares no theorem: nothing to audit", axioms: found };
  return problems.length === 0
    ? { name: "axioms", ok: true, axioms: found }
    : { name: "axioms", ok: false, reason: problems.join("; "), axioms: found };
}

/** Options: nothing switches the kernel off, in the text or in the environment the candidate leaves. */
function optionsCheck(code: string, answer: AuditAnswer): Check {
  const uses = kernelOffUses(code);
  const env = [...answer.options].filter(([, v]) => v === "true").map(([k]) => k);
  const all = [...new Set([...uses, ...env])];
  return all.length === 0
    ? { name: "options", ok: true }
    : { name: "options", ok: false, reason: `sets ${all.join(", ")}: the kernel does not check its declarations` };
}
