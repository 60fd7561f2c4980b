// What a ReplPool is built with, what a lease gives and what its stats report: the pool's options and defaults, and
// the default REPL count (CPUs, bounded by the container's memory).
import { availableParallelism } from "node:os";
import { readContainerMemory } from "../process/memory.js";
import type { AutoLeanServer, AutoLeanServerOptions } from "../server/auto-lean-server.js";
import type { LeanRequest, ScheduleRule } from "../server/outcome.js";
import type { SessionCache } from "../server/session-handles.js";
import type { PolicyName, SchedulingPolicy } from "./scheduling.js";

/** Defaults of {@link ReplPool}. */
export const POOL_DEFAULTS = {
  /** Fraction of the container's memory the REPLs may use together when sizing the pool. @default 0.8 */
  memoryFraction: 0.8,
  /** Longest a request waits for a REPL before it is `rejected` with pool_exhausted (Kimina: 60 s). @default 60000 */
  maxWaitMs: 60_000,
  /** Requests allowed to wait at once; one more is rejected at once with pool_exhausted. @default 1000 */
  maxQueued: 1000,
  /** Scheduling policy. @default "leanfleet" */
  policy: "leanfleet" as PolicyName,
  /**
   * Time a REPL may take to load the pre-warm header when it starts or restarts. Loading a fleet's imports is not a
   * job: a cold `import Mathlib` reads gigabytes of .olean files and can take longer than a job's whole timeout
   * (LEAN_REPL_DEFAULTS.defaultTimeoutMs); once loaded, jobs reuse it. @default 180000
   */
  prewarmTimeoutMs: 180_000,
} as const;

/**
 * Default REPL count: min(CPUs, floor(container memory x memoryFraction / per-REPL memory)), at least 1. The
 * per-REPL memory is the config's `memoryHardLimitMiB` (@default 8192); when it is null, memory does not bound it.
 */
export function defaultPoolSize(input: {
  cpus?: number;
  containerMemoryBytes?: number;
  perReplMemoryMiB: number | null;
  memoryFraction?: number;
}): number {
  const cpus = input.cpus ?? availableParallelism();
  if (input.perReplMemoryMiB === null) return Math.max(1, cpus);
  const memory = input.containerMemoryBytes ?? readContainerMemory().limitBytes;
  const byMemory = Math.floor(
    (memory * (input.memoryFraction ?? POOL_DEFAULTS.memoryFraction)) / (input.perReplMemoryMiB * 1024 * 1024),
  );
  return Math.max(1, Math.min(cpus, byMemory));
}

/** Options of {@link ReplPool}. */
export interface ReplPoolOptions {
  /** @default - defaultPoolSize(config.memoryHardLimitMiB) */
  size?: number;
  /** Header every REPL loads at start and after each restart, e.g. `import Mathlib`. @default null (none) */
  prewarmHeader?: string | null;
  /** How long loading the pre-warm header may take. @default 180000 (POOL_DEFAULTS.prewarmTimeoutMs) */
  prewarmTimeoutMs?: number;
  /** A policy name or object. @default "leanfleet" */
  policy?: PolicyName | SchedulingPolicy;
  /** LeanFleet policy: wait this long for a busy REPL holding better state. @default 3000 (SCHEDULING_DEFAULTS) */
  affinityWaitMs?: number;
  /** LeanFleet policy: at most this many requests queue for one busy REPL for affinity. @default 8 (SCHEDULING_DEFAULTS) */
  affinityQueueLimit?: number;
  /** @default 60000 */
  maxWaitMs?: number;
  /** @default 1000 */
  maxQueued?: number;
  /** Prefix index budget in bytes. @default 64 MiB (PREFIX_INDEX_DEFAULTS) */
  indexBudgetBytes?: number;
  /** Handle chains shared by the pool's REPLs. @default - a new SessionCache */
  cache?: SessionCache;
  /** Passed to every AutoLeanServer (memory probe, resolved command, incrementality support). */
  server?: Omit<AutoLeanServerOptions, "id" | "cache">;
}

/** What a lease gives the caller of {@link ReplPool.withRepl}. */
export interface ReplLease {
  server: AutoLeanServer;
  replId: string;
  rule: ScheduleRule;
  reusedChars: number;
}

/** Options of {@link ReplPool.withRepl}. */
export interface LeaseOptions {
  /** The request to place (affinity); without it any free REPL is taken. */
  request?: LeanRequest;
  signal?: AbortSignal;
}

/** What {@link ReplPool.stats} reports: size, liveness, activity, restarts, and scheduling counters. */
export interface PoolStats {
  size: number;
  alive: number;
  busy: number;
  restarts: number;
  queued: number;
  rules: Record<ScheduleRule, number>;
  reusedChars: number;
  indexBytes: number;
  policy: string;
}
