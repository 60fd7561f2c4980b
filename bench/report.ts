// bench/report: what a report costs at 1k, 10k and 100k result items: generation time (read + parse the results
// file, build, render, write; as `leanfleet report` does), file size, and time to interactive in headless Chromium
// (from navigation until the page's script has built the headline, charts and table; after one warm-up load), then one text filter and one sort
// at 100k. Workload: synthetic results (test/fixtures/synthetic-results.ts) of 1 to 4 candidates per problem with
// early stop and Lean-like errors; plus the worst case for the table, 100k items each its own problem.
// Goals (issue 15): 100k items give a report under 15 MB that is interactive within 3 s.
//   npm run bench -- report [--reps 3]
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { writeReportFile } from "../services/report/index.js";
import { syntheticResults, toJsonl } from "../test/fixtures/synthetic-results.js";
import { launchChromium } from "../test/report/helpers/browser.js";

const { values } = parseArgs({ options: { reps: { type: "string", default: "3" } } });
const REPS = Number(values.reps);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

interface Case {
  name: string;
  items: number;
  attemptsOf?: (p: number) => number;
}
const CASES: Case[] = [
  { name: "1000", items: 1_000 },
  { name: "10000", items: 10_000 },
  { name: "100000", items: 100_000 },
  { name: "100000-ungrouped", items: 100_000, attemptsOf: () => 1 },
];

const dir = mkdtempSync(join(tmpdir(), "bench-report-"));
const browser = await launchChromium();
interface Row {
  name: string;
  items: number;
  problems: number;
  resultsMB: number;
  generateMs: number;
  bytes: number;
  ttiMs: number;
  filterMs: number;
  sortMs: number;
}
const rows: Row[] = [];
try {
  for (const c of CASES) {
    const results = join(dir, `${c.name}.results.jsonl`);
    const text = toJsonl(syntheticResults({ items: c.items, ...(c.attemptsOf ? { attemptsOf: c.attemptsOf } : {}) }));
    writeFileSync(results, text);
    const gen: number[] = [];
    let written: Awaited<ReturnType<typeof writeReportFile>> | undefined;
    for (let i = 0; i < REPS; i++) {
      const t0 = performance.now();
      written = await writeReportFile(results);
      gen.push(performance.now() - t0);
    }
    const tti: number[] = [];
    let filterMs = 0;
    let sortMs = 0;
    // Run 0 is a warm-up (the browser's first load of a page is slower), not counted.
    for (let i = 0; i <= REPS; i++) {
      const page = await browser.newPage({ viewport: { width: 1300, height: 1000 } });
      const t0 = performance.now();
      await page.goto(`file://${written!.out}`);
      await page.waitForSelector("body[data-ready='1']", { timeout: 60_000 });
      if (i > 0) tti.push(performance.now() - t0);
      if (i === 1) {
        // One text filter and one sort, each timed inside the page up to the next frame (the rows repainted).
        const timed = (action: string) =>
          page.evaluate(
            (act) =>
              new Promise<number>((resolve) => {
                const doc = (
                  globalThis as unknown as {
                    document: {
                      getElementById(id: string): { value: string } | null;
                      querySelector(s: string): { click(): void };
                    };
                  }
                ).document;
                const api = (globalThis as unknown as { leanfleetReport: { apply(): void } }).leanfleetReport;
                const raf = (globalThis as unknown as { requestAnimationFrame(f: () => void): void })
                  .requestAnimationFrame;
                const t = performance.now();
                if (act === "filter") {
                  doc.getElementById("f-text")!.value = "linarith";
                  api.apply();
                } else doc.querySelector("button[data-sort=best]").click();
                raf(() => resolve(performance.now() - t));
              }),
            action,
          );
        filterMs = await timed("filter");
        sortMs = await timed("sort");
      }
      await page.close();
    }
    const problems = written!.summary.groups.total;
    rows.push({
      name: c.name,
      items: c.items,
      problems,
      resultsMB: text.length / 1e6,
      generateMs: median(gen),
      bytes: written!.bytes,
      ttiMs: median(tti),
      filterMs,
      sortMs,
    });
  }
} finally {
  await browser.close();
  rmSync(dir, { recursive: true, force: true });
}

console.log(
  `workload: synthetic results, 1 to 4 candidates per problem (early stop), plus 100k items each its own problem; median of ${REPS} runs`,
);
console.log(
  "case             | items  | problems | results MB | generate ms | report MB | MB per 1k items | interactive ms | filter ms | sort ms",
);
for (const r of rows) {
  console.log(
    `${r.name.padEnd(16)} | ${String(r.items).padStart(6)} | ${String(r.problems).padStart(8)} | ${r.resultsMB.toFixed(1).padStart(10)} | ${r.generateMs.toFixed(0).padStart(11)} | ${(r.bytes / 1e6).toFixed(2).padStart(9)} | ${((r.bytes / 1e6 / r.items) * 1000).toFixed(3).padStart(15)} | ${r.ttiMs.toFixed(0).padStart(14)} | ${r.filterMs.toFixed(0).padStart(9)} | ${r.sortMs.toFixed(0).padStart(7)}`,
  );
}
const big = rows.filter((r) => r.items === 100_000);
const met = big.every((r) => r.bytes < 15e6 && r.ttiMs < 3000);
console.log(
  `goal: 100k items under 15 MB and interactive within 3 s: ${met ? "met" : "NOT met"} (${big.map((r) => `${r.name}: ${(r.bytes / 1e6).toFixed(2)} MB, ${r.ttiMs.toFixed(0)} ms`).join("; ")})`,
);
const by = (f: (r: Row) => number) => Object.fromEntries(rows.map((r) => [r.name, Math.round(f(r))]));
console.log(
  JSON.stringify({
    "bench": "report",
    generateMs: by((r) => r.generateMs),
    bytes: by((r) => r.bytes),
    problems: by((r) => r.problems),
    ttiMs: by((r) => r.ttiMs),
    filterMs: by((r) => r.filterMs),
    sortMs: by((r) => r.sortMs),
    goalsMet: met,
  }),
);
