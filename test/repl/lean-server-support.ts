// Test support for the REPL server tests: remember every process a test started and check none survives it.
import { expect } from "vitest";
import { isProcessDead } from "../../services/repl/index.js";
import { listDescendants } from "../../services/repl/process/process-tree.js";

/** Collects pids seen during a test (REPL processes and their descendants). */
export class PidTracker {
  readonly pids = new Set<number>();

  /** Remember a pid and every current descendant of it. */
  add(pid: number | null | undefined): void {
    if (pid === null || pid === undefined) return;
    this.pids.add(pid);
    for (const d of listDescendants(pid)) this.pids.add(d);
  }

  /** Remember the grandchild pid the double prints on stderr (`@double grandchild <pid>`). */
  addFromStderr(stderr: string): number[] {
    const found = [...stderr.matchAll(/@double grandchild (\d+)/g)].map((m) => Number(m[1]));
    for (const p of found) this.pids.add(p);
    return found;
  }

  /** Wait (up to `withinMs`) until every remembered process is gone or a zombie, then assert it. */
  async expectAllDead(withinMs = 3000): Promise<void> {
    const deadline = Date.now() + withinMs;
    let alive = [...this.pids].filter((p) => !isProcessDead(p));
    while (alive.length > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      alive = alive.filter((p) => !isProcessDead(p));
    }
    expect(alive, `processes still alive: ${alive.join(", ")}`).toEqual([]);
    this.pids.clear();
  }
}

/** Close every server a test made (remembering its pids first), then assert that none of their processes survives. */
export async function closeAllAndExpectDead(
  servers: Array<{ readonly pid: number | null; close(): Promise<void> }>,
  tracker: PidTracker,
): Promise<void> {
  for (const s of servers.splice(0)) {
    tracker.add(s.pid);
    await s.close();
  }
  await tracker.expectAllDead();
}
