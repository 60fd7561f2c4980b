// Test support for scheduling policies (LeanFleet's and the peers'): fake REPL views, requests and decisions.
import {
  CostEstimates,
  type ReplSlotView,
  type ScheduleDecision,
  type ScheduleRequest,
} from "../../services/repl/index.js";

/** REPL `index` as a policy sees it; `held` lists the handles its process holds. */
export function slot(
  index: number,
  over: Partial<Omit<ReplSlotView, "holds">> & { held?: string[] } = {},
): ReplSlotView {
  const held = new Set(over.held ?? []);
  return {
    id: `repl-${index}`,
    index,
    busy: false,
    headers: new Set(),
    keyHeader: null,
    usesSinceStart: 0,
    lastUsedAt: index,
    freedAt: index,
    ...over,
    holds: (hs) => hs.every((h) => held.has(h)),
  };
}

/** A request for `import Mathlib` with nothing indexed, unless overridden. */
export function req(over: Partial<ScheduleRequest> = {}): ScheduleRequest {
  return {
    header: "Mathlib",
    handles: [],
    prefix: new Map(),
    waitedMs: 0,
    queuedFor: () => 0,
    costs: new CostEstimates(),
    ...over,
  };
}

/** A decision as a comparable tuple. */
export const ran = (d: ScheduleDecision) =>
  d.kind === "run" ? [d.replId, d.rule, d.reusedChars, d.restartFirst] : ["wait"];

/** A handle. */
export const H = "env_" + "1".repeat(32);
