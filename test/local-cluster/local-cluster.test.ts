// The local cluster as `npm start` runs it: API process + workers on fauxqs, cluster status for GET /v1/cluster,
// persistence across restarts with a data directory, and the one-line notice when no Lean is installed.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { resultKey } from "../../services/jobs/index.js";
import { createAwsClients, S3ObjectStore, SqsJobQueue } from "../../services/aws/index.js";
import {
  findTagged,
  HttpClusterStatus,
  startLocalCluster,
  type LocalCluster,
} from "../../services/local-cluster/index.js";
import { makeJob } from "../worker/helpers/jobs.js";

const open: LocalCluster[] = [];
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.close()));
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const tmp = (p: string) => {
  const d = mkdtempSync(join(tmpdir(), p));
  dirs.push(d);
  return d;
};

async function until<T>(get: () => Promise<T | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await get();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("startLocalCluster", () => {
  it(
    "serves the API as its own process; a submitted job gets a simulated result; /v1/cluster shows workers; close leaves no process",
    { timeout: 60_000 },
    async () => {
      const c = await startLocalCluster({
        workers: { min: 1, max: 2 },
        port: 0,
        simulate: true,
        logDir: tmp("lf-lc-"),
        onNotice: () => undefined,
      });
      open.push(c);
      expect(c.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const res = await fetch(`${c.endpoint}/v1/jobs?wait=25`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ code: "-- @double error oops\ntheorem t : True := trivial" }),
      });
      const body = (await res.json()) as { state: string; result: Record<string, unknown> };
      expect(body).toMatchObject({
        state: "done",
        result: { status: "lean_error", verdict: "invalid", simulated: true, worker: "default-1" },
      });
      const cluster = (await (await fetch(`${c.endpoint}/v1/cluster`)).json()) as {
        simulated: boolean;
        fleets: Array<Record<string, unknown>>;
      };
      expect(cluster).toMatchObject({
        simulated: true,
        fleets: [{ fleet: "default", tasks: { desired: 1, running: 1, pending: 0 } }],
      });
      expect(await new HttpClusterStatus(c.statusUrl).tasks("default")).toEqual({ desired: 1, running: 1, pending: 0 });
      expect(await new HttpClusterStatus(c.statusUrl).tasks("nope")).toBeUndefined();
      const snap = await c.status();
      expect(snap.fleets[0]!.workers).toMatchObject([{ workerId: "default-1", state: "running" }]);
      expect(findTagged(c.tag, true).length).toBeGreaterThanOrEqual(4); // API, worker, 2 REPLs
      await c.close();
      expect(findTagged(c.tag, true)).toEqual([]);
      await expect(fetch(`${c.endpoint}/health`)).rejects.toThrow();
    },
  );

  it("with a data directory, jobs queued before a restart run after it", { timeout: 60_000 }, async () => {
    const dataDir = tmp("lf-data-");
    // First stack: no scaling ticks, so no worker starts; queue jobs and stop.
    const a = await startLocalCluster({
      workers: { min: 0, max: 1 },
      api: false,
      simulate: true,
      dataDir,
      logDir: tmp("lf-logs-"),
      scaling: { intervalMs: 3_600_000 },
    });
    open.push(a);
    const jobs = [makeJob({ fleet: "default" }), makeJob({ fleet: "default" })];
    const awsA = createAwsClients({ endpoint: a.awsEndpoint, region: a.region });
    await new SqsJobQueue({ client: awsA.sqs, queueUrl: a.fleets.default!.queueUrl }).sendMany(
      jobs.map((j) => JSON.stringify(j)),
    );
    awsA.destroy();
    await a.close();

    const b = await startLocalCluster({
      workers: { min: 1, max: 1 },
      api: false,
      simulate: true,
      dataDir,
      logDir: tmp("lf-logs-"),
    });
    open.push(b);
    const aws = createAwsClients({ endpoint: b.awsEndpoint, region: b.region });
    const store = new S3ObjectStore({ client: aws.s3, bucket: b.bucket, conditionalWrites: "head-then-put" });
    try {
      for (const j of jobs) {
        const text = await until(() => store.get(resultKey(j.id)));
        expect(JSON.parse(text)).toMatchObject({ jobId: j.id, status: "ok", simulated: true });
      }
    } finally {
      aws.destroy();
    }
  });

  it(
    "without Lean it says so in one line, with how to install it, and runs on the double",
    { timeout: 30_000 },
    async () => {
      const saved = { repl: process.env.LEANFLEET_REPL, path: process.env.PATH };
      process.env.LEANFLEET_REPL = "/nonexistent/leanfleet-test/repl";
      const lines: string[] = [];
      try {
        const c = await startLocalCluster({
          workers: { min: 0, max: 1 },
          api: false,
          logDir: tmp("lf-nolean-"),
          onNotice: (l) => lines.push(l),
        });
        open.push(c);
        expect(c.simulated).toBe(true);
        expect(lines).toHaveLength(1);
        expect(lines[0]).not.toContain("\n");
        expect(lines[0]).toMatch(/no Lean REPL found.*simulated.*elan.*LEANFLEET_REPL=/);
        expect(c.notices).toEqual(lines);
      } finally {
        if (saved.repl === undefined) delete process.env.LEANFLEET_REPL;
        else process.env.LEANFLEET_REPL = saved.repl;
      }
    },
  );
});
