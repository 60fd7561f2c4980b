// A ReplRunner for worker tests that answers from a script instead of REPLs, and the messages real Lean logs for
// the worker's audit of a clean candidate (so the fast audit passes on scripted answers).
import { AUDIT_MARKER } from "../../services/verify/index.js";
import type { LeanRequest, ReplRunner, RunOptions, RunOutcome } from "../../services/repl/index.js";

/**
 * The messages real Lean logs for an audit text (services/verify/audit-lean.ts) run on a clean candidate: no axioms
 * for each `#print axioms NAME`, each reported name a local theorem of type `True`, the kernel option off.
 */
export function cleanAuditMessages(
  cmd: string,
): { severity: "info"; pos: { line: number; column: number }; endPos: null; data: string }[] {
  const at = { line: 1, column: 0 };
  const printed = [...cmd.matchAll(/^#print axioms (\S+)$/gm)].map((m) => m[1]!);
  const reported = [
    ...(/run_meta LeanFleetAudit\.report #\[([^\]]*)\]/.exec(cmd)?.[1] ?? "").matchAll(/`([^,\s]+)/g),
  ].map((m) => m[1]!);
  return [
    ...printed.map((n) => ({
      severity: "info" as const,
      pos: at,
      endPos: null,
      data: `'${n}' does not depend on any axioms`,
    })),
    ...reported.map((n) => ({
      severity: "info" as const,
      pos: at,
      endPos: null,
      data: `LFA1\t${n}\ttheorem\tlocal\t\t(c True)\t`,
    })),
    { severity: "info" as const, pos: at, endPos: null, data: "LFA1-OPT\tdebug.skipKernelTC\tfalse" },
  ];
}

/** What a {@link ScriptedRunner} script returns for one request: an outcome (fields defaulted) or a delay first. */
export type ScriptStep = Partial<RunOutcome> & { delayMs?: number };

/**
 * A ReplRunner that answers from a script instead of REPLs: `script(request, call)` returns the outcome fields
 * (status `ok` with an empty command response by default), optionally after `delayMs`; an abort signal ends the
 * wait with status `crashed` and code `aborted`. Records every request and the highest concurrency seen.
 */
export class ScriptedRunner implements ReplRunner {
  readonly requests: LeanRequest[] = [];
  /** Audit requests of the worker's verification (not passed to the script). */
  readonly audits: LeanRequest[] = [];
  readonly options: Array<RunOptions | undefined> = [];
  maxConcurrent = 0;
  restarts = 0;
  #running = 0;
  #closed = false;
  readonly #size: number;
  readonly #script: (request: LeanRequest, call: number) => ScriptStep | Promise<ScriptStep>;
  readonly #simulated: boolean;

  constructor(
    options: {
      size?: number;
      simulated?: boolean;
      script?: (request: LeanRequest, call: number) => ScriptStep | Promise<ScriptStep>;
    } = {},
  ) {
    this.#size = options.size ?? 2;
    this.#simulated = options.simulated ?? true;
    this.#script = options.script ?? (() => ({}));
  }

  get closed(): boolean {
    return this.#closed;
  }

  async run(request: LeanRequest, options?: RunOptions): Promise<RunOutcome> {
    if ("cmd" in request && request.cmd.includes(AUDIT_MARKER)) {
      // The worker's fast audit of an answer: answered as Lean answers it for a clean candidate, kept apart from
      // the job requests the script sees.
      this.audits.push(request);
      return this.#outcome(
        { response: { kind: "command", value: { env: 0, messages: cleanAuditMessages(request.cmd) } } },
        Date.now(),
      );
    }
    this.requests.push(request);
    this.options.push(options);
    this.#running++;
    this.maxConcurrent = Math.max(this.maxConcurrent, this.#running);
    const t0 = Date.now();
    try {
      const step = await this.#script(request, this.requests.length);
      if (step.delayMs) {
        const aborted = await new Promise<boolean>((resolve) => {
          const timer = setTimeout(() => resolve(false), step.delayMs);
          options?.signal?.addEventListener("abort", () => {
            clearTimeout(timer);
            resolve(true);
          });
        });
        if (aborted) return this.#outcome({ status: "crashed", error: { code: "aborted", message: "aborted" } }, t0);
      }
      return this.#outcome(step, t0);
    } finally {
      this.#running--;
    }
  }

  #outcome(step: ScriptStep, t0: number): RunOutcome {
    const { delayMs: _delay, ...rest } = step;
    const status = rest.status ?? "ok";
    return {
      status,
      ...(status === "ok" ? { response: { kind: "command", value: { env: 0 } } } : {}),
      durationMs: Date.now() - t0,
      attempts: 1,
      reusedChars: 0,
      rule: "idle",
      replId: "repl-0",
      peakRssBytes: null,
      simulated: this.#simulated,
      ...rest,
    } as RunOutcome;
  }

  stats(): { size: number; alive: number; busy: number; restarts: number } {
    return { size: this.#size, alive: this.#closed ? 0 : this.#size, busy: this.#running, restarts: this.restarts };
  }

  async close(): Promise<void> {
    this.#closed = true;
  }
}
