// Process-tree mechanics on Linux /proc: list descendants, tell dead from alive (zombies count as dead), signal a
// whole process group, wrap a command in an RLIMIT_AS limit, and kill tracked groups if this process exits.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { findExecutable, type ReplCommand } from "./command.js";

/** Where /proc is read from (a fake root in tests). */
export interface ProcOptions {
  /** Filesystem root holding `proc/`. @default "/" */
  root?: string;
}

/** The fields of /proc/<pid>/stat that supervision needs. */
export interface ProcStat {
  pid: number;
  /** One-letter state: R, S, D, Z (zombie), T, X (dead), ... */
  state: string;
  ppid: number;
  pgrp: number;
}

/** Parse /proc/<pid>/stat; null when the process is gone. `comm` may hold spaces and parens, so cut at the last `)`. */
export function readProcStat(pid: number, opts: ProcOptions = {}): ProcStat | null {
  let text: string;
  try {
    text = readFileSync(join(opts.root ?? "/", "proc", String(pid), "stat"), "utf8");
  } catch {
    return null;
  }
  const close = text.lastIndexOf(")");
  if (close < 0) return null;
  const [state, ppid, pgrp] = text.slice(close + 2).split(" ");
  return { pid, state: state ?? "?", ppid: Number(ppid), pgrp: Number(pgrp) };
}

/**
 * True when the process no longer runs: absent from /proc, or a zombie (`Z`) / dead (`X`) entry waiting to be
 * reaped. `kill(pid, 0)` alone is not enough: orphaned zombies here are reaped by PID 1 only after 1-2 s.
 */
export function isProcessDead(pid: number, opts: ProcOptions = {}): boolean {
  const stat = readProcStat(pid, opts);
  return stat === null || stat.state === "Z" || stat.state === "X";
}

function readChildrenFiles(pid: number, root: string): number[] | null {
  let tids: string[];
  try {
    tids = readdirSync(join(root, "proc", String(pid), "task"));
  } catch {
    return [];
  }
  const out: number[] = [];
  for (const tid of tids) {
    let text: string;
    try {
      text = readFileSync(join(root, "proc", String(pid), "task", tid, "children"), "utf8");
    } catch (err) {
      // A kernel without CONFIG_PROC_CHILDREN has no such file at all: use the ppid scan instead.
      if ((err as NodeJS.ErrnoException).code === "ENOENT" && tid === String(pid)) return null;
      continue;
    }
    for (const p of text.split(" ")) if (p.trim()) out.push(Number(p));
  }
  return out;
}

function scanChildren(root: string): Map<number, number[]> {
  const byParent = new Map<number, number[]>();
  let entries: string[] = [];
  try {
    entries = readdirSync(join(root, "proc"));
  } catch {
    return byParent;
  }
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    const stat = readProcStat(Number(e), { root });
    if (stat === null) continue;
    const list = byParent.get(stat.ppid) ?? [];
    list.push(stat.pid);
    byParent.set(stat.ppid, list);
  }
  return byParent;
}

/**
 * Every descendant of `pid` (children, grandchildren, ...), breadth first. Reads /proc/<pid>/task/<tid>/children
 * for every thread (a child belongs to the thread that forked it); falls back to one scan of /proc/* /stat ppids
 * when the kernel lacks those files. Processes that exit meanwhile are skipped.
 */
export function listDescendants(pid: number, opts: ProcOptions = {}): number[] {
  const root = opts.root ?? "/";
  const seen = new Set<number>([pid]);
  const out: number[] = [];
  let scan: Map<number, number[]> | null = null;
  const queue = [pid];
  while (queue.length > 0) {
    const p = queue.shift()!;
    let kids = scan === null ? readChildrenFiles(p, root) : (scan.get(p) ?? []);
    if (kids === null) {
      scan = scanChildren(root);
      kids = scan.get(p) ?? [];
    }
    for (const k of kids) {
      if (seen.has(k)) continue;
      seen.add(k);
      out.push(k);
      queue.push(k);
    }
  }
  return out;
}

/** Send a signal to a whole process group; false when the group no longer exists. */
export function signalProcessGroup(pgid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

/**
 * Signal a process group led by `pid` and, individually, every descendant of `pid` (one that moved to its own
 * group or session would escape the group signal). Descendants are listed first: once the leader dies they are
 * re-parented and can no longer be found.
 */
export function signalTree(pid: number, signal: NodeJS.Signals, opts: ProcOptions = {}): void {
  const descendants = listDescendants(pid, opts);
  signalProcessGroup(pid, signal);
  for (const d of descendants) {
    try {
      process.kill(d, signal);
    } catch {
      // already gone
    }
  }
}

/**
 * Wrap a command so the kernel enforces RLIMIT_AS (virtual address space) of `limitMiB` on it and its children:
 * `prlimit --as=BYTES -- cmd` (util-linux), or `sh -c 'ulimit -v KiB; exec "$@"'` when prlimit is missing. Both
 * exec the command, so its pid stays the pid spawned. Only on Linux; elsewhere the command is returned unchanged.
 */
export function withAddressSpaceLimit(
  command: ReplCommand,
  limitMiB: number | null,
  pathVar = process.env.PATH,
): ReplCommand {
  if (limitMiB === null || process.platform !== "linux") return command;
  const prlimit = findExecutable("prlimit", pathVar);
  if (prlimit !== null) {
    return { ...command, file: prlimit, args: [`--as=${limitMiB * 1024 * 1024}`, "--", command.file, ...command.args] };
  }
  return {
    ...command,
    file: "/bin/sh",
    args: ["-c", `ulimit -v ${limitMiB * 1024} && exec "$@"`, "sh", command.file, ...command.args],
  };
}

const trackedGroups = new Set<number>();
let exitHookInstalled = false;

/**
 * Remember a spawned process group so that it is SIGKILLed if this process exits without closing it (execa's
 * `cleanup` does not cover detached children). Call {@link untrackProcessGroup} once the group is gone.
 */
export function trackProcessGroup(pgid: number): void {
  trackedGroups.add(pgid);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once("exit", () => {
      for (const g of trackedGroups) signalProcessGroup(g, "SIGKILL");
    });
  }
}

/** Forget a process group registered with {@link trackProcessGroup}. */
export function untrackProcessGroup(pgid: number): void {
  trackedGroups.delete(pgid);
}
