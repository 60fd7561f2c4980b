// Memory facts for supervision: the container's limit and usage (cgroup v2, cgroup v1, constrainedMemory, host),
// and the resident memory of a whole process tree.
import { readFileSync } from "node:fs";
import { totalmem, freemem } from "node:os";
import { join } from "node:path";
import pidusage from "pidusage";
import { listDescendants } from "./process-tree.js";

/** Values at or above this are "no limit" (cgroup v1 writes 2^63 rounded down to a page; constrainedMemory 2^64-1). */
export const UNLIMITED_BYTES = 2 ** 60;

/** Where the container's memory limit came from. */
export type MemorySource = "cgroup2" | "cgroup1" | "constrainedMemory" | "host";

/** The memory budget the REPL set lives in, and how much of it is used. */
export interface ContainerMemory {
  /** The limit in bytes (the host's total when no limit is set). */
  limitBytes: number;
  /** Bytes in use by the container (cgroup usage), or by the whole host when the source is `host`/`constrainedMemory`. */
  usageBytes: number;
  source: MemorySource;
}

/** Injection points of {@link readContainerMemory} (fake roots and functions in tests). */
export interface ContainerMemoryOptions {
  /** Filesystem root holding `proc/` and `sys/fs/cgroup/`. @default "/" */
  root?: string;
  /** @default - process.constrainedMemory */
  constrainedMemory?: () => number | undefined;
}

function readText(path: string): string | null {
  try {
    return readFileSync(path, "utf8").trim();
  } catch {
    return null;
  }
}

function readBytes(path: string): number | null {
  const text = readText(path);
  if (text === null || text === "" || text === "max") return text === "max" ? Infinity : null;
  const n = Number(text);
  return Number.isFinite(n) ? n : null;
}

/** Parse /proc/self/cgroup into the v2 path (`0::/path`) and the v1 memory controller's path. */
export function parseProcCgroup(text: string): { v2: string | null; v1Memory: string | null } {
  let v2: string | null = null;
  let v1Memory: string | null = null;
  for (const line of text.split("\n")) {
    const first = line.indexOf(":");
    const second = line.indexOf(":", first + 1);
    if (first < 0 || second < 0) continue;
    const [id, controllers, path] = [line.slice(0, first), line.slice(first + 1, second), line.slice(second + 1)];
    if (id === "0" && controllers === "") v2 = path;
    else if (controllers.split(",").includes("memory")) v1Memory = path;
  }
  return { v2, v1Memory };
}

/**
 * Walk from the cgroup of this process up to the hierarchy root and keep the smallest limit (a parent's limit
 * binds too); usage is the leaf's. Tries the path as seen in /proc/self/cgroup, then the mount root itself (inside
 * a cgroup namespace the container's own cgroup is mounted at the root).
 */
function readHierarchy(
  mount: string,
  path: string,
  limitFile: string,
  usageFile: string,
): { limit: number; usage: number } | null {
  const segments = path.split("/").filter(Boolean);
  for (const start of [segments, []]) {
    const leaf = join(mount, ...start);
    const usage = readBytes(join(leaf, usageFile));
    if (usage === null) continue;
    let limit = Infinity;
    for (let i = start.length; i >= 0; i--) {
      const l = readBytes(join(mount, ...start.slice(0, i), limitFile));
      if (l !== null && l < limit) limit = l;
    }
    return { limit, usage };
  }
  return null;
}

function hostMemory(root: string): { total: number; used: number } {
  const info = readText(join(root, "proc/meminfo"));
  const field = (name: string) => {
    const m = info === null ? null : new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(info);
    return m ? Number(m[1]) * 1024 : null;
  };
  const total = field("MemTotal") ?? totalmem();
  const available = field("MemAvailable") ?? freemem();
  return { total, used: Math.max(0, total - available) };
}

/**
 * The container's memory limit and usage, from the first source that has a limit: cgroup v2 `memory.max` /
 * `memory.current`, cgroup v1 `memory.limit_in_bytes` / `memory.usage_in_bytes`, `process.constrainedMemory()`
 * (with host usage), and only when none sets a limit, the host's total and used memory. Limits >= 2^60 are "none".
 */
export function readContainerMemory(opts: ContainerMemoryOptions = {}): ContainerMemory {
  const root = opts.root ?? "/";
  const cgroups = parseProcCgroup(readText(join(root, "proc/self/cgroup")) ?? "");
  const base = join(root, "sys/fs/cgroup");
  if (cgroups.v2 !== null) {
    const v2 = readHierarchy(base, cgroups.v2, "memory.max", "memory.current");
    if (v2 && v2.limit < UNLIMITED_BYTES) return { limitBytes: v2.limit, usageBytes: v2.usage, source: "cgroup2" };
  }
  if (cgroups.v1Memory !== null) {
    const v1 = readHierarchy(join(base, "memory"), cgroups.v1Memory, "memory.limit_in_bytes", "memory.usage_in_bytes");
    if (v1 && v1.limit < UNLIMITED_BYTES) return { limitBytes: v1.limit, usageBytes: v1.usage, source: "cgroup1" };
  }
  const host = hostMemory(root);
  const constrained = (opts.constrainedMemory ?? (() => process.constrainedMemory?.()))();
  if (constrained !== undefined && constrained > 0 && constrained < UNLIMITED_BYTES) {
    return { limitBytes: constrained, usageBytes: host.used, source: "constrainedMemory" };
  }
  return { limitBytes: host.total, usageBytes: host.used, source: "host" };
}

/** Resident memory of a process tree. */
export interface TreeRss {
  /** Sum of VmRSS over the root and its living descendants, in bytes (0 when the root is gone). */
  rssBytes: number;
  /** The pids counted. */
  pids: number[];
}

/** Injection point of {@link processTreeRss}. */
export interface TreeRssOptions {
  /** Filesystem root holding `proc/`. @default "/" */
  root?: string;
  /** Lists the descendants of a pid (Linux path only); lets a caller reuse a recent listing. @default listDescendants */
  descendants?: (pid: number) => number[];
}

function vmRssBytes(pid: number, root: string): number | null {
  const status = readText(join(root, "proc", String(pid), "status"));
  if (status === null) return null;
  const m = /^VmRSS:\s+(\d+) kB/m.exec(status);
  // A zombie has no VmRSS line: it holds no memory.
  return m ? Number(m[1]) * 1024 : 0;
}

/**
 * RSS of `pid` plus all its descendants. On Linux it reads VmRSS from /proc/<pid>/status, one small synchronous
 * read per pid: exact, no subprocess, and an exited pid is simply skipped (pidusage rejects a whole batch if one
 * pid has exited, and keeps a history timer). Elsewhere it falls back to pidusage, one pid at a time.
 */
export async function processTreeRss(pid: number, opts: TreeRssOptions = {}): Promise<TreeRss> {
  const root = opts.root ?? "/";
  if (process.platform === "linux" || opts.root !== undefined) {
    let rssBytes = 0;
    const pids: number[] = [];
    const descendants = opts.descendants ? opts.descendants(pid) : listDescendants(pid, { root });
    for (const p of [pid, ...descendants]) {
      const rss = vmRssBytes(p, root);
      if (rss === null) continue;
      rssBytes += rss;
      pids.push(p);
    }
    return { rssBytes, pids };
  }
  try {
    const stat = await pidusage(pid);
    return { rssBytes: stat.memory, pids: [pid] };
  } catch {
    return { rssBytes: 0, pids: [] };
  } finally {
    pidusage.clear();
  }
}
