// The REPL pool's scheduling as a small strategy object: which REPL runs a request. The pool ships LeanFleet's
// affinity rules; any other policy object can be passed in (bench/lib/peer-policies.ts holds the peers' policies).
import type { CostView } from "./cost-estimates.js";
import type { ScheduleRule } from "../server/outcome.js";

/** What a policy sees of one REPL of the pool. */
export interface ReplSlotView {
  /** Stable id, e.g. `repl-2`. */
  readonly id: string;
  readonly index: number;
  /** Leased right now. */
  readonly busy: boolean;
  /** Canonical import headers this REPL's process has loaded (and caches) since it last started. */
  readonly headers: ReadonlySet<string>;
  /** The header the process was started or pre-warmed for, or that its first request loaded (Kimina's key). */
  readonly keyHeader: string | null;
  /** Requests run since the process last started (the pre-warm excluded). */
  readonly usesSinceStart: number;
  /** When the REPL was last leased or released (ms, monotonic). */
  readonly lastUsedAt: number;
  /** When the REPL was last released (ms, monotonic); 0 if never. */
  readonly freedAt: number;
  /** True when the process holds every one of these handles already (no replay needed). */
  holds(handles: readonly string[]): boolean;
}

/** What a policy knows of a request. */
export interface ScheduleRequest {
  /** Canonical import header of a fresh-session command; null for requests on an env, tactics, pickles. */
  readonly header: string | null;
  /** Handles the request names (`env` / `proofState`). */
  readonly handles: readonly string[];
  /** Longest indexed prefix per REPL id, in characters (only REPLs with a match are present). */
  readonly prefix: ReadonlyMap<string, number>;
  /** How long the request has waited so far (ms). */
  readonly waitedMs: number;
  /** Requests ahead of this one already waiting for that REPL (affinity queues stay short). */
  queuedFor(replId: string): number;
  /** What work costs on this pool (measured): waiting pays only while it is cheaper than rebuilding. */
  readonly costs: CostView;
}

/** A policy's answer: run now on a REPL, or wait (for a busy REPL with better state, or for any REPL to free up). */
export type ScheduleDecision =
  | { kind: "run"; replId: string; rule: ScheduleRule; reusedChars: number; restartFirst: boolean }
  | { kind: "wait"; forRepl?: string; recheckInMs?: number };

/** How requests are sent under a policy. */
export interface PolicyMode {
  /** Send the fork's `incrementality` (when the REPL supports it) and keep the prefix index. */
  readonly incrementality: boolean;
  /** Split the import header off and run the body on a per-REPL header environment (Kimina; upstream REPLs). */
  readonly headerSplit: "never" | "always" | "without-incrementality";
}

/** A scheduling strategy. `decide` must be cheap: it runs for each waiting request whenever a REPL frees up. */
export interface SchedulingPolicy {
  /** Shown in the pool's stats (`leanfleet` for the pool's own policy). */
  readonly name: string;
  readonly mode: PolicyMode;
  decide(request: ScheduleRequest, slots: readonly ReplSlotView[]): ScheduleDecision;
  /** Called when the pool acts on a `run` decision (`decide` itself must not change state: it may be discarded). */
  commit?(decision: Extract<ScheduleDecision, { kind: "run" }>, slots: readonly ReplSlotView[]): void;
}

/** The policies the pool knows by name (others are passed in as objects). */
export const POLICY_NAMES = ["leanfleet"] as const;
/** One of {@link POLICY_NAMES}. */
export type PolicyName = (typeof POLICY_NAMES)[number];

/** Options of LeanFleet's affinity policy. */
export interface AffinityOptions {
  /**
   * How long a request may wait for a busy REPL that holds its handles, a longer prefix, or its header, before it
   * takes a free REPL and rebuilds that state there. Short compared to re-elaborating a Mathlib file or loading
   * `import Mathlib` (seconds), long compared to typical requests on warm state.
   * @default 3000
   */
  affinityWaitMs?: number;
  /**
   * Cap on the requests waiting for one busy REPL for affinity. Below it a request waits only while the expected
   * wait (requests ahead x the measured time per request) is below the measured cost of rebuilding the state or
   * loading the header on a free REPL; so a popular state or header spreads over the pool rather than serialising.
   * @default 8
   */
  affinityQueueLimit?: number;
}

/** Defaults of the scheduling policies. */
export const SCHEDULING_DEFAULTS = { affinityWaitMs: 3000, affinityQueueLimit: 8 } as const;

/** The decision to run on `slot` by `rule` (building block of policies, the peers' in bench/lib too). */
export const run = (
  slot: ReplSlotView,
  rule: ScheduleRule,
  reusedChars = 0,
  restartFirst = false,
): ScheduleDecision => ({
  kind: "run",
  replId: slot.id,
  rule,
  reusedChars,
  restartFirst,
});
/** The decision to wait for a REPL. */
export const WAIT: ScheduleDecision = { kind: "wait" };
/** The least recently used of `slots` (non-empty). */
export const leastRecentlyUsed = (slots: readonly ReplSlotView[]) =>
  slots.reduce((a, b) => (b.lastUsedAt < a.lastUsedAt ? b : a));
const isIdle = (s: ReplSlotView, prewarmHeader: string | null) =>
  s.usesSinceStart === 0 && [...s.headers].every((h) => h === prewarmHeader);

/** The free REPL with the longest indexed prefix of the request (null if none), and the longest on a busy REPL. */
function longestPrefixes(
  req: ScheduleRequest,
  slots: readonly ReplSlotView[],
): { bestFree: ReplSlotView | null; bestFreeChars: number; bestBusyChars: number } {
  let bestFree: ReplSlotView | null = null;
  let bestFreeChars = 0;
  let bestBusyChars = 0;
  for (const s of slots) {
    const chars = req.prefix.get(s.id) ?? 0;
    if (s.busy) bestBusyChars = Math.max(bestBusyChars, chars);
    else if (chars > bestFreeChars) {
      bestFree = s;
      bestFreeChars = chars;
    }
  }
  return { bestFree, bestFreeChars, bestBusyChars };
}

/**
 * LeanFleet's affinity scheduling, in order: a free REPL already holding the request's handles; the REPL with the
 * longest indexed prefix; one that has the same import header loaded; an idle (pre-warmed, unused) one; else the
 * least recently used free REPL takes the request (`evict`: it loads the new header next to what it caches; memory
 * limits restart it when needed). When the best state sits on a busy REPL, the request waits for it up to
 * `affinityWaitMs` while the expected wait is shorter than rebuilding that state on a free REPL (measured costs,
 * at most `affinityQueueLimit` requests queued for one REPL), else falls through to the next rule. Requests wait
 * when every REPL is busy.
 */
export function leanFleetPolicy(opts: AffinityOptions & { prewarmHeader?: string | null } = {}): SchedulingPolicy {
  const affinityWaitMs = opts.affinityWaitMs ?? SCHEDULING_DEFAULTS.affinityWaitMs;
  const queueLimit = opts.affinityQueueLimit ?? SCHEDULING_DEFAULTS.affinityQueueLimit;
  const prewarm = opts.prewarmHeader ?? null;
  return {
    name: "leanfleet",
    mode: { incrementality: true, headerSplit: "without-incrementality" },
    decide(req, slots) {
      const free = slots.filter((s) => !s.busy);
      if (free.length === 0) return WAIT;
      const patient = req.waitedMs < affinityWaitMs;
      /** Wait for the busy candidate with the shortest queue, if patient and waiting beats rebuilding (`rebuildMs`). */
      const waitFor = (busy: ReplSlotView[], rebuildMs: number): ScheduleDecision | null => {
        if (!patient || busy.length === 0) return null;
        const target = busy.reduce((a, b) => (req.queuedFor(b.id) < req.queuedFor(a.id) ? b : a));
        const ahead = req.queuedFor(target.id);
        if (ahead >= queueLimit || (ahead + 1) * req.costs.serviceMs >= rebuildMs) return null;
        // Waiting for affinity ends at affinityWaitMs: the pool re-decides then even if no REPL frees up.
        return { kind: "wait", forRepl: target.id, recheckInMs: affinityWaitMs - req.waitedMs };
      };
      if (req.handles.length > 0) {
        const holder = free.find((s) => s.holds(req.handles));
        if (holder) return run(holder, "handle");
        const wait = waitFor(
          slots.filter((s) => s.busy && s.holds(req.handles)),
          Infinity,
        ); // a replay: unknown
        if (wait) return wait;
      }
      const { bestFree, bestFreeChars, bestBusyChars } = longestPrefixes(req, slots);
      if (bestBusyChars > bestFreeChars) {
        const headerMs =
          req.header !== null && !free.some((s) => s.headers.has(req.header!)) ? req.costs.headerLoadMs(req.header) : 0;
        const rebuildMs = (bestBusyChars - bestFreeChars) * req.costs.msPerChar + headerMs;
        const wait = waitFor(
          slots.filter((s) => s.busy && (req.prefix.get(s.id) ?? 0) === bestBusyChars),
          rebuildMs,
        );
        if (wait) return wait;
      }
      if (bestFree !== null) return run(bestFree, "prefix", bestFreeChars);
      if (req.header === null) return run(leastRecentlyUsed(free), "any");
      const withHeader = free.filter((s) => s.headers.has(req.header!));
      if (withHeader.length > 0) return run(leastRecentlyUsed(withHeader), "header");
      const wait = waitFor(
        slots.filter((s) => s.busy && s.headers.has(req.header!)),
        req.costs.headerLoadMs(req.header),
      );
      if (wait) return wait;
      const idle = free.filter((s) => isIdle(s, prewarm));
      if (idle.length > 0) return run(leastRecentlyUsed(idle), "idle");
      return run(leastRecentlyUsed(free), "evict");
    },
  };
}

/** The policy called `name`. */
export function createPolicy(
  name: PolicyName,
  opts: AffinityOptions & { prewarmHeader?: string | null } = {},
): SchedulingPolicy {
  switch (name) {
    case "leanfleet":
      return leanFleetPolicy(opts);
  }
}
