// Memory readings of an AutoLeanServer: the RSS of a REPL's process tree and the container's limit and usage, sampled
// cheaply enough to run before every request (and replaceable by fakes in tests).
import { performance } from "node:perf_hooks";
import type { LeanReplConfig } from "../config.js";
import { processTreeRss, readContainerMemory, type ContainerMemory } from "../process/memory.js";
import { listDescendants } from "../process/process-tree.js";

/** Where memory readings come from (real /proc and cgroup files by default; fakes in tests). */
export interface MemoryProbe {
  /** RSS of a process tree in bytes. */
  treeRssBytes(pid: number): Promise<number>;
  /** The container's memory limit and usage. */
  container(): ContainerMemory;
}

/** Defaults of the memory checks. */
export const MEMORY_CHECK_DEFAULTS = {
  /**
   * The container reading (cgroup files, /proc/meminfo) is reused for this long: it is the same for every REPL of
   * the process and costs several file reads, on the hot path of every request. The per-REPL tree RSS is still
   * read before each request (over a list of the tree's processes reused for as long), and the RSS watchdog and
   * the cgroup limit still guard in between. @default 200
   */
  containerSampleMs: 200,
} as const;

/**
 * A probe reading /proc VmRSS of the REPL's tree and the container's cgroup (see memory.ts). The container reading
 * and the list of each REPL's descendants are reused for `containerSampleMs`: listing descendants reads a `children`
 * file per thread of every process in the tree (most of the probe's cost, on every request), while the tree rarely
 * changes between two requests. The VmRSS of every listed process is still read on each call.
 */
export function createSystemMemoryProbe(
  containerSampleMs: number = MEMORY_CHECK_DEFAULTS.containerSampleMs,
): MemoryProbe {
  let last: { atMs: number; value: ContainerMemory } | null = null;
  // Keyed by REPL pid; entries of exited REPLs are dropped once stale, so the map stays as small as the REPL set.
  const trees = new Map<number, { atMs: number; pids: number[] }>();
  const descendants = (pid: number): number[] => {
    const now = performance.now();
    const hit = trees.get(pid);
    if (hit !== undefined && now - hit.atMs < containerSampleMs) return hit.pids;
    for (const [p, e] of trees) if (now - e.atMs >= containerSampleMs) trees.delete(p);
    const pids = listDescendants(pid);
    trees.set(pid, { atMs: now, pids });
    return pids;
  };
  return {
    treeRssBytes: async (pid) => (await processTreeRss(pid, { descendants })).rssBytes,
    container: () => {
      const now = performance.now();
      if (last === null || now - last.atMs >= containerSampleMs) last = { atMs: now, value: readContainerMemory() };
      return last.value;
    },
  };
}

/** The default probe, shared by the servers of this process (they share one container). */
export const systemMemoryProbe: MemoryProbe = createSystemMemoryProbe();

/** Why a running REPL should restart before its next request: memory over a threshold, or requests served. */
export type HealthReason = ["process-memory" | "container-memory" | "recycle", string];

/**
 * Check a running REPL against maxProcessMemory (its tree's RSS, read when memoryHardLimitMiB is set),
 * maxTotalMemory (the container) and maxRequestsPerRepl, in that order. Returns the first reason found (null when
 * fit) and the RSS sampled (null when none was read).
 */
export async function healthCheck(
  config: LeanReplConfig,
  memory: MemoryProbe,
  pid: number,
  served: number,
): Promise<{ reason: HealthReason | null; rssBytes: number | null }> {
  const limitMiB = config.memoryHardLimitMiB;
  let rss: number | null = null;
  if (limitMiB !== null) {
    rss = await memory.treeRssBytes(pid);
    const threshold = config.maxProcessMemory * limitMiB * 1024 * 1024;
    if (rss >= threshold)
      return {
        reason: ["process-memory", `REPL tree RSS ${mib(rss)} MiB >= ${config.maxProcessMemory} x ${limitMiB} MiB`],
        rssBytes: rss,
      };
  }
  const container = memory.container();
  if (container.usageBytes >= config.maxTotalMemory * container.limitBytes) {
    return {
      reason: [
        "container-memory",
        `${container.source} memory ${mib(container.usageBytes)} MiB >= ${config.maxTotalMemory} x ${mib(container.limitBytes)} MiB`,
      ],
      rssBytes: rss,
    };
  }
  if (recycleDue(config, served)) {
    return { reason: ["recycle", `served ${served} requests (maxRequestsPerRepl)`], rssBytes: rss };
  }
  return { reason: null, rssBytes: rss };
}

/** True when a REPL that served `served` requests reached config.maxRequestsPerRepl (the one recycle setting). */
export function recycleDue(config: LeanReplConfig, served: number): boolean {
  return config.maxRequestsPerRepl !== null && served >= config.maxRequestsPerRepl;
}

function mib(bytes: number): number {
  return Math.round(bytes / (1024 * 1024));
}
