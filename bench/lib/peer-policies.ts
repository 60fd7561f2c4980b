// The peers' scheduling policies, for bench/scheduling only: Kimina Lean Server, LeanInteract and plain
// round-robin, written against the pool's policy interface and passed to ReplPool as policy objects.
import {
  leanFleetPolicy,
  leastRecentlyUsed,
  runDecision as run,
  WAIT_DECISION as WAIT,
  type AffinityOptions,
  type SchedulingPolicy,
} from "../../services/repl/index.js";

/** The policies bench/scheduling compares (LeanFleet's own, and the peers' below). */
export const POLICY_NAMES = ["leanfleet", "kimina", "leaninteract", "round-robin"] as const;
/** One of {@link POLICY_NAMES}. */
export type PolicyName = (typeof POLICY_NAMES)[number];

/**
 * Kimina Lean Server's policy: a REPL is keyed by the header it was started with; a free REPL with the request's
 * header runs the body on that header's environment (no prefix reuse, no `incrementality`); else an unused REPL
 * takes the header; else the least recently used free REPL is killed and restarted for the new header.
 */
export function kiminaPolicy(): SchedulingPolicy {
  return {
    name: "kimina",
    mode: { incrementality: false, headerSplit: "always" },
    decide(req, slots) {
      const free = slots.filter((s) => !s.busy);
      if (free.length === 0) return WAIT;
      if (req.header === null) return run(leastRecentlyUsed(free), "any");
      const keyed = free.filter((s) => s.keyHeader === req.header);
      if (keyed.length > 0) return run(leastRecentlyUsed(keyed), "header");
      const unused = free.filter((s) => s.keyHeader === null);
      if (unused.length > 0) return run(unused[0]!, "idle");
      return run(leastRecentlyUsed(free), "evict", 0, true);
    },
  };
}

/**
 * LeanInteract's LeanServerPool: a free REPL on which the request's state is already materialised, else the most
 * recently freed REPL (LIFO). Every command goes with `incrementality: true`, so the fork reuses what that
 * particular process happens to hold.
 */
export function leanInteractPolicy(): SchedulingPolicy {
  return {
    name: "leaninteract",
    mode: { incrementality: true, headerSplit: "never" },
    decide(req, slots) {
      const free = slots.filter((s) => !s.busy);
      if (free.length === 0) return WAIT;
      if (req.handles.length > 0) {
        const holder = free.find((s) => s.holds(req.handles));
        if (holder) return run(holder, "handle");
      }
      return run(
        free.reduce((a, b) => (b.freedAt > a.freedAt ? b : a)),
        "any",
      );
    },
  };
}

/** Round-robin over the REPLs with no reuse at all: the whole text is sent, without `incrementality`. */
export function roundRobinPolicy(): SchedulingPolicy {
  let next = 0;
  return {
    name: "round-robin",
    mode: { incrementality: false, headerSplit: "never" },
    decide(_req, slots) {
      for (let k = 0; k < slots.length; k++) {
        const s = slots[(next + k) % slots.length]!;
        if (!s.busy) return run(s, "any");
      }
      return WAIT;
    },
    commit(decision, slots) {
      const s = slots.find((x) => x.id === decision.replId);
      if (s) next = (s.index + 1) % slots.length;
    },
  };
}

/** The policy called `name` (LeanFleet's is the pool's own, built the way the pool builds it). */
export function createPolicy(
  name: PolicyName,
  opts: AffinityOptions & { prewarmHeader?: string | null } = {},
): SchedulingPolicy {
  switch (name) {
    case "leanfleet":
      return leanFleetPolicy(opts);
    case "kimina":
      return kiminaPolicy();
    case "leaninteract":
      return leanInteractPolicy();
    case "round-robin":
      return roundRobinPolicy();
  }
}
