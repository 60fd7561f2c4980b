// bench/kimina: what the Kimina compatibility layer costs. The same 1,000 snippets (each `-- @double sleep 20`: 20 ms
// of REPL work on the double's cost model, after `import Mathlib`) run on the local stack (fauxqs, the API process, 2
// workers of 2 REPLs) (a) through POST /api/check in calls of 8 with 5 calls in flight, as kimina-client's check()
// sends them, and (b) through POST /v1/batches in one call, read back with GET /v1/batches/:id/results?wait=.
// Runs alternate (b a a b) after a warm-up; each run's snippets start with their own comment so no run reuses
// another's elaboration. Figure: snippets/s of each and the ratio a/b. Goal: >= 0.9.
//   npm run bench -- kimina [--snippets 1000] [--sleep-ms 20]
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { startLocalCluster } from "../services/local-cluster/index.js";

const { values } = parseArgs({
  options: { snippets: { type: "string", default: "1000" }, "sleep-ms": { type: "string", default: "20" } },
});
const N = Number(values.snippets);
const SLEEP_MS = Number(values["sleep-ms"]);
const BATCH = 8;
const IN_FLIGHT = 5;
const WORKERS = 2;
const REPLS = 2;

const codeOf = (run: string, i: number) =>
  `-- ${run}\nimport Mathlib\n-- @double sleep ${SLEEP_MS}\ntheorem t${i} (n : Nat) : n + ${i} = ${i} + n := by omega`;

async function postJson(url: string, body: unknown): Promise<Response> {
  const res = await fetch(url, {
    method: "POST",
    body: JSON.stringify(body),
    headers: { "content-type": "application/json" },
  });
  if (!res.ok) throw new Error(`POST ${url}: ${res.status} ${await res.text()}`);
  return res;
}

/** (a) kimina-client's check(): calls of 8 snippets, 5 in flight. Returns snippets/s and the answers' verdicts. */
async function viaKimina(endpoint: string, run: string): Promise<{ perSecond: number; valid: number }> {
  const calls: { id: string; code: string }[][] = [];
  for (let i = 0; i < N; i += BATCH)
    calls.push(
      Array.from({ length: Math.min(BATCH, N - i) }, (_, k) => ({ id: `${run}-${i + k}`, code: codeOf(run, i + k) })),
    );
  let next = 0;
  let valid = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next < calls.length) {
        const snippets = calls[next++]!;
        const res = await postJson(`${endpoint}/api/check`, {
          snippets,
          timeout: 60,
          debug: false,
          reuse: true,
          infotree: null,
        });
        const { results } = (await res.json()) as { results: { verdict?: string; error?: string }[] };
        if (results.length !== snippets.length)
          throw new Error(`a call answered ${results.length} of ${snippets.length} snippets`);
        const failed = results.find((r) => r.error !== undefined);
        if (failed) throw new Error(`a snippet failed: ${failed.error}`);
        valid += results.filter((r) => r.verdict === "valid").length;
      }
    }),
  );
  return { perSecond: N / ((performance.now() - t0) / 1000), valid };
}

/** (b) one POST /v1/batches, then the results stream with ?wait= until complete. */
async function viaBatches(endpoint: string, run: string): Promise<{ perSecond: number; valid: number }> {
  const t0 = performance.now();
  const items = Array.from({ length: N }, (_, i) => ({ code: codeOf(run, i), timeoutMs: 60_000 }));
  const { batchId } = (await (await postJson(`${endpoint}/v1/batches`, items)).json()) as { batchId: string };
  let cursor = "";
  let got = 0;
  let valid = 0;
  for (;;) {
    const res = await fetch(
      `${endpoint}/v1/batches/${batchId}/results?wait=10${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`,
    );
    if (!res.ok) throw new Error(`GET results: ${res.status} ${await res.text()}`);
    const text = await res.text();
    for (const line of text.split("\n")) {
      if (line === "") continue;
      got++;
      if ((JSON.parse(line) as { verdict: string }).verdict === "valid") valid++;
    }
    cursor = res.headers.get("LeanFleet-Cursor") ?? cursor;
    if (res.headers.get("LeanFleet-Complete") === "true") break;
  }
  if (got !== N) throw new Error(`the batch returned ${got} of ${N} results`);
  return { perSecond: N / ((performance.now() - t0) / 1000), valid };
}

const logDir = mkdtempSync(join(tmpdir(), "lf-bench-kimina-"));
const cluster = await startLocalCluster({
  workers: { min: WORKERS, max: WORKERS },
  simulate: true,
  replsPerWorker: REPLS,
  port: 0,
  logDir,
  onNotice: () => undefined,
});
try {
  const endpoint = cluster.endpoint!;
  console.log(
    `workload: ${N} snippets of ${SLEEP_MS} ms (REPL double) on ${WORKERS} workers x ${REPLS} REPLs; /api/check in calls of ${BATCH}, ${IN_FLIGHT} in flight, vs one /v1/batches call`,
  );
  await viaKimina(endpoint, "warm-a");
  await viaBatches(endpoint, "warm-b");
  const order = ["batches", "kimina", "kimina", "batches"] as const;
  const figures: Record<(typeof order)[number], number[]> = { kimina: [], batches: [] };
  for (const [r, kind] of order.entries()) {
    const f = kind === "kimina" ? await viaKimina(endpoint, `run-${r}`) : await viaBatches(endpoint, `run-${r}`);
    if (f.valid !== N) throw new Error(`${kind} run ${r}: ${f.valid} of ${N} valid`);
    figures[kind].push(f.perSecond);
    console.log(`${kind.padEnd(8)} run ${r}: ${f.perSecond.toFixed(1)} snippets/s`);
  }
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const kimina = mean(figures.kimina);
  const batches = mean(figures.batches);
  const ideal = (WORKERS * REPLS * 1000) / SLEEP_MS;
  const ratio = kimina / batches;
  console.log(
    `/api/check ${kimina.toFixed(1)} snippets/s, /v1/batches ${batches.toFixed(1)} snippets/s (REPL-bound ideal ${ideal.toFixed(0)}): ratio ${ratio.toFixed(3)} (goal >= 0.9)`,
  );
  console.log(
    JSON.stringify({
      "bench": "kimina",
      snippets: N,
      sleepMs: SLEEP_MS,
      workers: WORKERS,
      replsPerWorker: REPLS,
      callSize: BATCH,
      callsInFlight: IN_FLIGHT,
      kiminaSnippetsPerSecond: Math.round(kimina * 10) / 10,
      batchesSnippetsPerSecond: Math.round(batches * 10) / 10,
      ratio: Math.round(ratio * 1000) / 1000,
      goal: 0.9,
      pass: ratio >= 0.9,
    }),
  );
} finally {
  await cluster.close();
  rmSync(logDir, { recursive: true, force: true });
}
