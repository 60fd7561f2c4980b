// The REPL double as bench/scheduling runs it, and the elaboration work its processes report. The double is bundled
// once with esbuild (the same code; Node's TypeScript loader would add ~300 ms of CPU to every REPL start, which
// restart-heavy policies would then measure), and a preload copies each process's latest cumulative `@double-stats`
// line to <dir>/<pid>.json, so the work of every process, including replaced ones, counts.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { build } from "esbuild";
import { parseReplConfig, type LeanReplConfig } from "../../services/repl/index.js";
import { DOUBLE_PATH } from "../../test/support/double.js";

/** The preload of every double process: it tees the stats lines the double writes to stderr into a file. */
const STATS_TEE_SOURCE = `import fs from "node:fs";
const dir = process.env.LEANFLEET_BENCH_STATS_DIR;
// Unique per process (pids get reused on a busy machine).
const name = dir + "/" + process.pid + "-" + Date.now() + "-" + Math.random().toString(36).slice(2);
// Let a SIGTERM (a policy restarting this REPL) end the process only after the synchronous answer and its stats
// line are written, so no work goes unreported.
process.on("SIGTERM", () => process.exit(143));
const write = fs.writeSync;
fs.writeSync = function (fd, data, ...rest) {
  if (fd === 2 && dir) {
    const text = typeof data === "string" ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString("utf8");
    const lines = text.split("\\n").filter((l) => l.startsWith("@double-stats "));
    if (lines.length > 0) {
      // Write then rename, so a reader never sees a half-written file.
      fs.writeFileSync(name + ".tmp", lines[lines.length - 1].slice(14));
      fs.renameSync(name + ".tmp", name + ".json");
    }
  }
  return write.call(this, fd, data, ...rest);
};
`;

/** Elaboration work the doubles report: commands elaborated, modules loaded, and the simulated ms they cost. */
export interface Work {
  commands: number;
  imports: number;
  costMs: number;
}

/** No work. */
export const ZERO_WORK: Work = { commands: 0, imports: 0, costMs: 0 };

/** `a + b`, field by field. */
export const addWork = (a: Work, b: Work): Work => ({
  commands: a.commands + b.commands,
  imports: a.imports + b.imports,
  costMs: a.costMs + b.costMs,
});

/** `a - b`, field by field. */
export const subWork = (a: Work, b: Work): Work => ({
  commands: a.commands - b.commands,
  imports: a.imports - b.imports,
  costMs: a.costMs - b.costMs,
});

/** Work done so far by every double process that reported into `statsDir` (their latest cumulative lines). */
export function workIn(statsDir: string): Work {
  return readdirSync(statsDir)
    .filter((f) => f.endsWith(".json"))
    .reduce((w, f) => {
      const st = JSON.parse(readFileSync(join(statsDir, f), "utf8")) as {
        elaboratedCommands: number;
        importsLoaded: number;
        costMs: number;
      };
      return addWork(w, { commands: st.elaboratedCommands, imports: st.importsLoaded, costMs: st.costMs });
    }, ZERO_WORK);
}

/** The bundled double with its stats preload. */
export interface StatsDouble {
  /** A config running the bundled double with `flags`; its processes report their stats into `statsDir`. */
  config(statsDir: string, flags: string[]): LeanReplConfig;
}

/** Bundle the double and write its preload into `work` (a scratch directory the caller removes). */
export async function prepareStatsDouble(work: string): Promise<StatsDouble> {
  const bundle = join(work, "repl-double.mjs");
  await build({
    entryPoints: [DOUBLE_PATH],
    bundle: true,
    platform: "node",
    format: "esm",
    outfile: bundle,
    logLevel: "warning",
  });
  const preload = join(work, "stats-tee.mjs");
  writeFileSync(preload, STATS_TEE_SOURCE);
  return { config: (statsDir, flags) => benchConfig(bundle, preload, statsDir, flags) };
}

/** A config running the bundled double with the cost model; its processes report their stats into `statsDir`. */
function benchConfig(bundle: string, preload: string, statsDir: string, flags: string[]): LeanReplConfig {
  mkdirSync(statsDir, { recursive: true });
  return parseReplConfig({
    argv: [
      process.execPath,
      "--import",
      preload,
      bundle,
      "--lean-version",
      "4.19.0",
      "--no-transcripts",
      "--stats",
      ...flags,
    ],
    env: { LEANFLEET_BENCH_STATS_DIR: statsDir },
    simulated: true,
    replSupportsIncrementality: true,
    leanVersion: "4.19.0",
    addressSpaceLimitMiB: null,
    memoryHardLimitMiB: null,
    defaultTimeoutMs: 300_000,
  });
}
