// A run by environment: which environments its results came from (a result's `env`) and pass@k within each, so a
// run that a fleet's redeployment split in two never hides two environments in one figure; and advisory counts.
import type { JobStatus } from "../jobs/index.js";
import { passAtKCurve } from "./pass-at-k.js";

/** What the per-environment summary reads of a result. */
export interface EnvironmentInput {
  group?: string;
  status: JobStatus;
  verdict: "valid" | "invalid" | "none";
  env?: unknown;
  advisories?: unknown;
}

/** One environment's share of a run. */
export interface EnvironmentSummary {
  /** The environment id, or `unknown` for results that carry none. */
  id: string;
  items: number;
  /** Items that ran (early-stop skips excluded). */
  ran: number;
  valid: number;
  /** Groups with an item from this environment, and those with a valid one from it. */
  groups: { total: number; passed: number };
  /** Unbiased pass@k over this environment's items only, k = 1..the most items of a group here. */
  passAtK: number[];
}

/** Label of results that carry no `env` (made before environments were recorded). */
export const UNKNOWN_ENVIRONMENT = "unknown";

/** One environment's counts while summarising, with pass@k counts per group. */
interface EnvironmentTally {
  items: number;
  ran: number;
  valid: number;
  groups: Map<string, { n: number; c: number; attempts: number }>;
}

/** Per environment, most items first, with pass@k over each environment's own items. */
function environmentSummaries(envs: Map<string, EnvironmentTally>): EnvironmentSummary[] {
  return [...envs.entries()]
    .map(([id, e]) => {
      const groups = [...e.groups.values()];
      const maxAttempts = groups.reduce((m, g) => Math.max(m, g.attempts), 0);
      return {
        id,
        items: e.items,
        ran: e.ran,
        valid: e.valid,
        groups: {
          total: groups.length,
          passed: groups.filter((g) => g.c > 0).length,
        },
        passAtK: passAtKCurve(groups, maxAttempts),
      };
    })
    .sort((a, b) => b.items - a.items || a.id.localeCompare(b.id));
}

/**
 * Per environment (most items first) and per advisory, when any result carries `env` or `advisories`; `{}` otherwise.
 * Groups are keyed as the summary keys them (`groupKey`).
 */
export function byEnvironmentOf(
  results: readonly EnvironmentInput[],
  groupKey: (r: EnvironmentInput, i: number) => string,
): {
  environments?: EnvironmentSummary[];
  advisories?: Record<string, number>;
} {
  const envs = new Map<string, EnvironmentTally>();
  const advisories: Record<string, number> = {};
  let anyEnv = false;
  results.forEach((r, i) => {
    if (typeof r.env === "string") anyEnv = true;
    if (Array.isArray(r.advisories))
      for (const a of r.advisories) if (typeof a === "string") advisories[a] = (advisories[a] ?? 0) + 1;
    const id = typeof r.env === "string" ? r.env : UNKNOWN_ENVIRONMENT;
    const e = envs.get(id) ?? { items: 0, ran: 0, valid: 0, groups: new Map() };
    envs.set(id, e);
    const g = e.groups.get(groupKey(r, i)) ?? { n: 0, c: 0, attempts: 0 };
    e.groups.set(groupKey(r, i), g);
    e.items++;
    g.attempts++;
    if (r.status !== "skipped") {
      e.ran++;
      g.n++;
    }
    if (r.verdict === "valid") {
      e.valid++;
      g.c++;
    }
  });
  const out: {
    environments?: EnvironmentSummary[];
    advisories?: Record<string, number>;
  } = {};
  if (anyEnv) out.environments = environmentSummaries(envs);
  if (Object.keys(advisories).length > 0) out.advisories = advisories;
  return out;
}
