// How a ReplPool sends requests: its scheduling policy, and the mode (incrementality and prefix index, or header
// split) resolved from that policy, the configuration and what the REPL supports.
import type { LeanReplConfig } from "../config.js";
import { importHeaderKey } from "../reuse/header-split.js";
import { resolveIncrementalitySupport } from "../setup/detect.js";
import { POOL_DEFAULTS, type ReplPoolOptions } from "./pool-options.js";
import { createPolicy, type SchedulingPolicy } from "./scheduling.js";

/** How the pool sends requests (resolved from its policy and the REPL's capabilities). */
export interface PoolMode {
  /** `incrementality` is sent (fork REPL, config and policy allow it) and the prefix index is kept. */
  incrementality: boolean;
  /** Fresh commands are split into header + body, the body run on a per-REPL header environment. */
  headerSplit: boolean;
  /** Loaded by every REPL at start and after restarts; null for none. */
  prewarmHeader: string | null;
  /** How long loading {@link prewarmHeader} may take (ReplPoolOptions.prewarmTimeoutMs). */
  prewarmTimeoutMs: number;
  /** Header keys whose elaboration reported errors: such texts are always sent whole (same messages as Lean's). */
  badHeaders?: Set<string>;
}

/**
 * Whether running a fresh command with this header leaves the header loaded in the REPL: the fork caches every
 * header it processes (the empty one too: it still imports Init); in header-split mode the pool keeps the header's
 * environment (a text without imports is sent whole); otherwise nothing is cached.
 */
export function cachesHeader(mode: PoolMode, key: string): boolean {
  if (mode.badHeaders?.has(key)) return false;
  return mode.incrementality || (mode.headerSplit && key !== "");
}

/** The pool's policy: the object passed in, or the named policy built with the pool's affinity options. */
export function poolPolicy(opts: ReplPoolOptions): SchedulingPolicy {
  if (typeof opts.policy === "object") return opts.policy;
  const prewarm = opts.prewarmHeader ?? null;
  return createPolicy(opts.policy ?? POOL_DEFAULTS.policy, {
    prewarmHeader: prewarm === null ? null : importHeaderKey(prewarm),
    ...(opts.affinityWaitMs === undefined ? {} : { affinityWaitMs: opts.affinityWaitMs }),
    ...(opts.affinityQueueLimit === undefined ? {} : { affinityQueueLimit: opts.affinityQueueLimit }),
  });
}

/**
 * The pool's mode: incrementality when the policy, the config and the REPL all allow it; header split when the
 * policy always wants it, or wants it when incrementality is unavailable and it is.
 */
export function poolMode(
  config: LeanReplConfig,
  policy: SchedulingPolicy,
  opts: ReplPoolOptions,
  supportsIncrementality: boolean,
): PoolMode {
  const incremental = supportsIncrementality && config.enableIncrementalOptimization;
  const split = policy.mode.headerSplit;
  return {
    incrementality: policy.mode.incrementality && incremental,
    headerSplit: split === "always" || (split === "without-incrementality" && !incremental),
    prewarmHeader: opts.prewarmHeader ?? null,
    prewarmTimeoutMs: opts.prewarmTimeoutMs ?? POOL_DEFAULTS.prewarmTimeoutMs,
    badHeaders: new Set(),
  };
}

/** Whether the pool's REPLs understand `incrementality`: as the server options say, else as the config resolves. */
export function poolIncrementalitySupport(config: LeanReplConfig, opts: ReplPoolOptions): boolean {
  return opts.server?.replSupportsIncrementality ?? resolveIncrementalitySupport(config, opts.server ?? {});
}
