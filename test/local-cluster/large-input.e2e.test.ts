// A large input no longer kills workers: a 70,000-theorem (3.4 MB) job with a 20 s timeout, through the local stack
// on the REPL double (1 ms per command, so it runs past its timeout as real Lean would), ends with exactly one
// `timeout` result within 60 s, and the worker that ran it is still the same process afterwards.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { batchResultsPrefix, type JobResult } from "../../services/jobs/index.js";
import { findTagged, startLocalCluster, type LocalCluster } from "../../services/local-cluster/index.js";

describe("a 3.4 MB input through the local stack (simulated)", () => {
  let cluster: LocalCluster;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "leanfleet-large-"));
    cluster = await startLocalCluster({
      workers: { min: 1, max: 1 },
      port: 0,
      simulate: true,
      logDir: join(dir, "logs"),
      onNotice: () => undefined,
      workerEnv: { LEANFLEET_DOUBLE_FLAGS: "--command-cost-ms 1" },
    });
  }, 120_000);

  afterAll(async () => {
    await cluster?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
    if (cluster) expect(findTagged(cluster.tag, true)).toEqual([]);
  }, 60_000);

  it("ends with one timeout result within 60 s, and no worker dies", { timeout: 120_000 }, async () => {
    // 70,000 one-line theorems padded to ~49 bytes each, as in the report that found the defect.
    const code = Array.from({ length: 70_000 }, (_, i) => `theorem t${i} : ${i} = ${i} := rfl -- padding`).join("\n");
    expect(code.length).toBeGreaterThan(3_300_000);
    const sup = cluster.supervisors.default!;
    const worker = await (async () => {
      for (let i = 0; i < 200; i++) {
        const w = sup.live().find((x) => x.state === "running");
        if (w) return w;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error("no running worker");
    })();
    const t0 = Date.now();
    const res = await fetch(`${cluster.endpoint}/v1/batches`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify([{ code, timeoutMs: 20_000 }]),
    });
    expect(res.status).toBe(202);
    const { batchId } = (await res.json()) as { batchId: string };
    let results: JobResult[] = [];
    while (Date.now() - t0 < 60_000) {
      const page = await fetch(`${cluster.endpoint}/v1/batches/${batchId}/results`);
      results = (await page.text())
        .split("\n")
        .filter((l) => l.trim() !== "")
        .map((l) => JSON.parse(l) as JobResult);
      if (results.length > 0) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(Date.now() - t0).toBeLessThan(60_000);
    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({ status: "timeout", verdict: "none", simulated: true });
    // The same worker process is alive and answers the next job; the supervisor replaced nobody.
    const next = await fetch(`${cluster.endpoint}/v1/jobs?wait=20`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ code: "theorem ok : 1 = 1 := rfl" }),
    });
    expect(((await next.json()) as { result?: JobResult }).result?.verdict).toBe("valid");
    expect(sup.live().find((x) => x.state === "running")?.pid).toBe(worker.pid);
    expect(sup.replaced).toBe(0);
    expect((await cluster.status()).fleets[0]!.workers.filter((w) => w.state === "exited")).toEqual([]);
    expect(batchResultsPrefix(batchId)).toContain(batchId);
  });
});
