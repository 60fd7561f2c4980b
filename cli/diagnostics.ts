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
export const SIMULATED_BANNER = "SIMULATED: this result comes from the REPL double, not from Lean; it is not a Lean verdict.";

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
  if (result.error && result.status !== "ok" && result.status !== "lean_error") out.push(`${file}: error: ${result.status}: ${result.error.message}`);
  return out;
}

/** One line saying the verdict, e.g. `Foo.lean: invalid (lean_error, 2 errors) in 152 ms [SIMULATED]`. */
export function verdictLine(file: string, result: JobResult): string {
  const messages = ((result.response ?? {}) as { messages?: Msg[] }).messages ?? [];
  const errors = messages.filter((m) => m.severity === "error").length;
  const detail = result.status === "ok" ? (errors ? `${errors} errors` : "") : `${result.status}${errors ? `, ${errors} error${errors > 1 ? "s" : ""}` : ""}`;
  return `${file}: ${result.verdict === "valid" ? "valid" : result.verdict === "invalid" ? "invalid" : "no verdict"}${detail ? ` (${detail})` : ""} in ${result.timings.runMs} ms${result.simulated ? " [SIMULATED]" : ""}`;
}

/** Exit code of `leanfleet check`: 0 valid, 1 otherwise. */
export function checkExitCode(result: JobResult): 0 | 1 {
  return result.verdict === "valid" ? 0 : 1;
}
