// Test support for pools under the benchmark's peer policies: the pool takes a policy object, so a policy named
// here (as bench/scheduling names them) is built by bench/lib/peer-policies.ts before the pool sees it.
import { createPolicy, type PolicyName } from "../../bench/lib/peer-policies.js";
import type { LeanReplConfig, ReplPool, ReplPoolOptions, SchedulingPolicy } from "../../services/repl/index.js";
import { trackedPool as trackedReplPool } from "../repl/pool-support.js";

/** Options of {@link trackedPool}: the pool's, with any of bench/scheduling's policy names. */
export type PeerPoolOptions = Omit<ReplPoolOptions, "policy"> & { policy?: PolicyName | SchedulingPolicy };

/** A tracked pool (see test/repl/pool-support.ts) whose policy may be one of the peers' by name. */
export function trackedPool(config: LeanReplConfig, opts: PeerPoolOptions = {}): ReplPool {
  const { policy, ...rest } = opts;
  const resolved =
    policy === undefined || typeof policy === "object" || policy === "leanfleet" ? policy : createPolicy(policy);
  return trackedReplPool(config, { ...rest, ...(resolved !== undefined ? { policy: resolved } : {}) });
}
