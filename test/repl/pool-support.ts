// Test support for the pool tests: double configurations, pools whose every REPL process is remembered, and the
// check that none of them survives a test.
import { afterEach } from "vitest";
import { type LeanReplConfig, ReplPool, type ReplPoolOptions } from "../../services/repl/index.js";
import { PidTracker } from "./lean-server-support.js";
import { doubleConfig, type DoubleConfigOptions } from "../support/double.js";

/** Remembers every REPL pid the pools of a test file started. */
export const tracker = new PidTracker();
const pools: ReplPool[] = [];

/** A config for the double: model only (no transcript replay), quick kills, short timeouts. */
export function doubleCfg(flags: string[] = [], overrides: DoubleConfigOptions = {}): LeanReplConfig {
  return doubleConfig({
    flags: ["--no-transcripts", ...flags],
    killGraceMs: 300,
    restartBackoffMs: 20,
    defaultTimeoutMs: 15_000,
    ...overrides,
  });
}

/** A pool whose REPL pids (including those of restarted processes) are tracked and which is closed after the test. */
export function trackedPool(config: LeanReplConfig, opts: ReplPoolOptions = {}): ReplPool {
  const pool = new ReplPool(config, opts);
  pools.push(pool);
  for (const s of pool.servers) {
    s.on("restart", () => tracker.add(s.pid));
  }
  return pool;
}

/** Remember the current pids of a pool's REPLs. */
export function notePids(pool: ReplPool): number[] {
  const pids = pool.servers.map((s) => s.pid).filter((p): p is number => p !== null);
  for (const p of pids) tracker.add(p);
  return pids;
}

/** The last `@double-stats` line of a REPL's stderr, parsed. */
export function lastStats(stderr: string): {
  elaboratedCommands: number;
  elaboratedChars: number;
  importsLoaded: number;
  costMs: number;
  elabAsync: number;
} | null {
  const lines = [...stderr.matchAll(/@double-stats (\{.*\})/g)];
  return lines.length === 0 ? null : JSON.parse(lines.at(-1)![1]!);
}

/** Wait until `check` holds (the double writes its stats line just after its answer). */
export async function eventually<T>(get: () => T, check: (v: T) => boolean, withinMs = 3000): Promise<T> {
  const deadline = Date.now() + withinMs;
  let v = get();
  while (!check(v) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 20));
    v = get();
  }
  return v;
}

/** Install the after-each hook: close every pool of the test, then check that no REPL process survives. */
export function closePoolsAfterEach(): void {
  afterEach(async () => {
    for (const p of pools.splice(0)) {
      notePids(p);
      await p.close();
    }
    await tracker.expectAllDead();
  });
}
