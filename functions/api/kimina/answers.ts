// From a snippet's stored LeanFleet result (or the reason it has none) to Kimina's per-snippet answer: `error` xor
// `response`, `time` where each route puts it, Kimina's error strings ("timed out" kept), nulls omitted, and
// LeanFleet's verdict, trust, checks, environment and job id as extra fields Kimina's clients ignore.
import type { JobResult } from "../../../services/jobs/index.js";

/** What became of one snippet: its stored result, or an error string when it has none (not run, not back in time). */
export type SnippetOutcome = { jobId?: string; result: JobResult } | { jobId?: string; error: string };

/** Kimina's rendering of seconds in its messages: Python's `str(float)` (`30.0`, `0.5`). */
export function pySeconds(seconds: number): string {
  return Number.isInteger(seconds) ? seconds.toFixed(1) : String(seconds);
}

/** `round(x, 6)`. */
const round6 = (x: number) => Math.round(x * 1e6) / 1e6;

/** The REPL's command response without nulls and without empty lists (the REPL omits them; Kimina never sends them). */
function cleanResponse(response: unknown): Record<string, unknown> {
  if (response === null || typeof response !== "object" || Array.isArray(response))
    return { message: `unexpected REPL response ${JSON.stringify(response)}` };
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(response)) {
    if (v === null || v === undefined) continue;
    if ((k === "messages" || k === "sorries" || k === "tactics") && Array.isArray(v) && v.length === 0) continue;
    out[k] = v;
  }
  return out;
}

/** LeanFleet's own fields of a result, carried beside Kimina's. */
function extras(o: SnippetOutcome): Record<string, unknown> {
  const r = "result" in o ? o.result : undefined;
  return {
    ...(o.jobId !== undefined ? { jobId: o.jobId } : {}),
    verdict: r?.verdict ?? "none",
    ...(r?.trust !== undefined ? { trust: r.trust } : {}),
    ...(r?.checks !== undefined ? { checks: r.checks } : {}),
    ...(r?.env !== undefined ? { env: r.env } : {}),
    ...(r?.advisories !== undefined ? { advisories: r.advisories } : {}),
    ...(r?.simulated ? { simulated: true } : {}),
  };
}

/** Either Kimina's error string for a result without an answer, or the answer with its time in seconds. */
function classify(
  o: SnippetOutcome,
  timeoutSeconds: number,
): { error: string } | { response: Record<string, unknown>; time: number } {
  if ("error" in o) return { error: o.error };
  const r = o.result;
  if ((r.status === "ok" || r.status === "lean_error") && r.response !== undefined)
    return { response: cleanResponse(r.response), time: round6(r.timings.runMs / 1000) };
  if (r.status === "timeout") return { error: `Lean REPL command timed out in ${pySeconds(timeoutSeconds)} seconds` };
  const why = r.error?.message ?? `status ${r.status}`;
  return { error: `Snippet execution failed: ${r.status === "crashed" ? "the REPL crashed: " : ""}${why}` };
}

/** Kimina's `diagnostics` from what the result knows: the REPL that ran it, and its peak memory when recorded. */
function diagnosticsOf(o: SnippetOutcome): Record<string, unknown> | undefined {
  if (!("result" in o)) return undefined;
  const r = o.result as JobResult & { peakRssBytes?: unknown };
  const d: Record<string, unknown> = {
    ...(r.replId !== undefined ? { repl_uuid: `${r.worker}/${r.replId}` } : {}),
    ...(typeof r.peakRssBytes === "number" ? { memory_max: r.peakRssBytes } : {}),
  };
  return Object.keys(d).length > 0 ? d : undefined;
}

/**
 * One entry of `POST /api/check`'s `results`: `time` at the top level (body run time; the timeout for a timeout),
 * `diagnostics` with `debug`, and for a timeout always (as Kimina does).
 */
export function checkAnswer(
  id: string,
  o: SnippetOutcome,
  options: { timeoutSeconds: number; debug: boolean },
): Record<string, unknown> {
  const c = classify(o, options.timeoutSeconds);
  const timedOut = "result" in o && o.result.status === "timeout";
  const diagnostics = options.debug || timedOut ? diagnosticsOf(o) : undefined;
  const time = "time" in c ? c.time : timedOut ? options.timeoutSeconds : 0;
  return {
    id,
    time,
    ...("error" in c ? { error: c.error } : { response: c.response }),
    ...(diagnostics !== undefined ? { diagnostics } : {}),
    ...extras(o),
  };
}

/** One entry of `/verify`'s `results`: `custom_id` as a string, `time` inside `response`, no time with an error. */
export function verifyAnswer(
  customId: string | number,
  o: SnippetOutcome,
  options: { timeoutSeconds: number },
): Record<string, unknown> {
  const c = classify(o, options.timeoutSeconds);
  return {
    custom_id: String(customId),
    ...("error" in c ? { error: c.error } : { response: { ...c.response, time: c.time } }),
    ...extras(o),
  };
}
