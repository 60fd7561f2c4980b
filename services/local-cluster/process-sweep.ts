// Finds and kills every process of the local cluster, by an environment tag that all descendants inherit. This is
// how processes orphaned by a SIGKILLed worker (its REPLs, their children) are found: once reparented, no parent
// link leads to them, but their environment still carries the tag. Linux only (reads /proc); elsewhere a no-op.
import { readdirSync, readFileSync } from "node:fs";

/** Environment variable carrying `<clusterId>:<owner>` into every process the local cluster starts. */
export const LOCAL_TAG_ENV = "LEANFLEET_LOCAL_TAG";

/** True when `pid` is a live process (not a zombie, which G12 says lingers until PID 1 reaps it). */
export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
    return state !== "Z" && state !== "X";
  } catch {
    try {
      process.kill(pid, 0);
      return process.platform !== "linux";
    } catch {
      return false;
    }
  }
}

/** Live processes whose environment has `LEANFLEET_LOCAL_TAG` equal to `tag`, or starting with it when `prefix`. */
export function findTagged(tag: string, prefix = false): number[] {
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return [];
  }
  const found: number[] = [];
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    const pid = Number(e);
    if (pid === process.pid) continue;
    let environ: string;
    try {
      environ = readFileSync(`/proc/${pid}/environ`, "latin1");
    } catch {
      continue;
    }
    for (const kv of environ.split("\0")) {
      if (!kv.startsWith(`${LOCAL_TAG_ENV}=`)) continue;
      const value = kv.slice(LOCAL_TAG_ENV.length + 1);
      if ((prefix ? value.startsWith(tag) : value === tag) && isAlive(pid)) found.push(pid);
      break;
    }
  }
  return found;
}

/** SIGKILL every live tagged process (and its process group); resolves once none is alive or `timeoutMs` passed. */
export async function killTagged(
  tag: string,
  options: { prefix?: boolean; timeoutMs?: number } = {},
): Promise<number[]> {
  const killed = new Set<number>();
  const end = Date.now() + (options.timeoutMs ?? 5000);
  for (;;) {
    const pids = findTagged(tag, options.prefix);
    // A process in the middle of dying no longer shows its environment (so its tag) but is not yet a zombie: wait
    // until every process killed here is really gone, so callers may rely on "returned" meaning "dead".
    const dying = [...killed].some((pid) => isAlive(pid));
    if ((pids.length === 0 && !dying) || Date.now() > end) return [...killed];
    for (const pid of pids) {
      killed.add(pid);
      for (const target of [-pid, pid]) {
        try {
          process.kill(target, "SIGKILL");
        } catch {
          // not a group leader, or already gone
        }
      }
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}
