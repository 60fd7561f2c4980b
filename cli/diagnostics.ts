// Formats a result like a compiler: `file:line:col: severity: message`, then a verdict line. Lines are 1-based and
// columns 0-based, as Lean itself prints them.
import type { JobResult } from "../services/jobs/index.js";

interface Pos {
  line: number;
  column: number;
}
interface Msg {
  severity: string;
  pos?: Pos;
  endPos?: Pos | null;
  data: string;
}

/** The banner printed whenever a result comes from the REPL double. */
export const SIMULATED_BANNER =
  "SIMULATED: this result comes from the REPL double, not from Lean; it is not a Lean verdict.";

/** The messages of a result in compiler format, one string per message (multi-line data kept, indented). */
export function formatMessages(file: string, result: JobResult): string[] {
  const response = (result.response ?? {}) as { messages?: Msg[]; message?: string };
  const out: string[] = [];
  for (const m of response.messages ?? []) {
    const at = m.pos && m.pos.line > 0 ? `${file}:${m.pos.line}:${m.pos.column}` : file;
    const [first, ...rest] = m.data.split("\n");
    out.push([`${at}: ${m.severity}: ${first}`, ...rest.map((l) => `  ${l}`)].join("\n"));
  }
  if (typeof response.message === "string") out.push(`${file}: error: ${response.message}`);
  if (result.error && result.status !== "ok" && result.status !== "lean_error")
    out.push(`${file}: error: ${result.status}: ${result.error.message}`);
  return out;
}

/** One line per failed check, compiler style: `Foo.lean: error: [axioms] t depends on axiom cheat, ...`. */
export function formatFailedChecks(file: string, result: JobResult): string[] {
  return (result.checks ?? []).filter((c) => !c.ok).map((c) => `${file}: error: [${c.name}] ${c.reason ?? "failed"}`);
}

/**
 * One line saying the verdict and, when the result has them, the failed checks and the trust level, e.g.
 * `Foo.lean: invalid (axioms failed) [trust fast] in 152 ms [SIMULATED]`.
 */
export function verdictLine(file: string, result: JobResult): string {
  const messages = ((result.response ?? {}) as { messages?: Msg[] }).messages ?? [];
  const errors = messages.filter((m) => m.severity === "error").length;
  const parts: string[] = [];
  if (result.status !== "ok") parts.push(result.status);
  if (errors) parts.push(`${errors} error${errors > 1 ? "s" : ""}`);
  const failed = (result.checks ?? []).filter((c) => !c.ok).map((c) => c.name);
  const detail = [parts.join(", "), failed.length ? `${failed.join(", ")} failed` : ""]
    .filter((p) => p !== "")
    .join("; ");
  const verdict = result.verdict === "valid" ? "valid" : result.verdict === "invalid" ? "invalid" : "no verdict";
  const trust = result.trust ? ` [trust ${result.trust}]` : "";
  return `${file}: ${verdict}${detail ? ` (${detail})` : ""}${trust} in ${result.timings.runMs} ms${result.simulated ? " [SIMULATED]" : ""}`;
}

/** Exit code of `leanfleet check`: 0 valid, 1 otherwise. */
export function checkExitCode(result: JobResult): 0 | 1 {
  return result.verdict === "valid" ? 0 : 1;
}
