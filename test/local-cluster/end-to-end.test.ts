// THE end-to-end test: fauxqs + 2 real worker processes on the REPL double. 300 mixed jobs; one worker SIGKILLed
// while busy, another SIGTERMed; every job ends with exactly one result of the right status, the dead-letter queue
// received only the deliberately poisoned messages (each settled with a record, and a terminal result when it names a
// job), and no process survives.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { countDeadLettered } from "../../services/dead-letter/index.js";
import {
  batchResultsPrefix,
  deadLetterPrefix,
  FORMAT_VERSION,
  resultKey,
  type Job,
  type JobResult,
  type JobStatus,
} from "../../services/jobs/index.js";
import { createAwsClients, S3ObjectStore, SqsJobQueue } from "../../services/aws/index.js";
import { findTagged, isAlive, startLocalCluster, type LocalCluster } from "../../services/local-cluster/index.js";
import { messageBody } from "../worker/helpers/jobs.js";

const JOBS = 300;
const batchId = `b_e2e${process.pid}`;
const logDir = mkdtempSync(join(tmpdir(), "lf-e2e-"));
let cluster: LocalCluster | undefined;

afterAll(async () => {
  await cluster?.close();
  rmSync(logDir, { recursive: true, force: true });
});

/** State and command line of a process, for failure messages. */
function describePid(pid: number): string {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ").slice(0, 160);
    return `${stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3)} ${cmd}`;
  } catch (err) {
    return `unreadable (${(err as Error).message})`;
  }
}

async function waitFor<T>(
  what: string,
  get: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs: number,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await get();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Job i of the mix, and the status it must end with. */
function jobOf(i: number): { job: Job; expect: JobStatus } {
  const base = {
    v: FORMAT_VERSION,
    id: `${batchId}.${String(i).padStart(9, "0")}`,
    fleet: "default",
    batchId,
    keep: false,
    submittedAt: new Date().toISOString(),
  } as const;
  const cmd = (code: string, timeoutMs = 10_000): Job => ({ ...base, request: { kind: "command", code }, timeoutMs });
  if (i % 10 === 0)
    return { job: cmd(`-- @double error unknown identifier 'foo'\ntheorem e${i} : True := foo`), expect: "lean_error" };
  if (i % 20 === 5) return { job: cmd(`-- @double hang\ntheorem h${i} : True := trivial`, 300), expect: "timeout" };
  if (i % 20 === 15) return { job: cmd(`-- @double crash\ntheorem c${i} : True := trivial`), expect: "crashed" };
  if (i % 10 === 3)
    return {
      job: cmd(`${"-- padding line of a large input file\n".repeat(8000)}theorem big${i} : True := trivial`),
      expect: "ok",
    };
  return { job: cmd(`-- @double sleep 40\ntheorem t${i} : ${i} = ${i} := rfl`), expect: "ok" };
}

describe("local cluster end to end", () => {
  it(
    "300 jobs, a SIGKILLed and a SIGTERMed worker: exactly one right result per job, only poison in the DLQ, no process left",
    { timeout: 150_000 },
    async () => {
      cluster = await startLocalCluster({
        workers: { min: 2, max: 2 },
        api: false,
        simulate: true,
        replsPerWorker: 2,
        visibilitySeconds: 3,
        maxReceiveCount: 5,
        pollWaitSeconds: 1,
        drainSeconds: 8,
        port: 0,
        logDir,
        scaling: { intervalMs: 250 },
        onNotice: () => undefined,
      });
      const c = cluster;
      expect(c.simulated).toBe(true);
      const aws = createAwsClients({ endpoint: c.awsEndpoint, region: c.region });
      const queue = new SqsJobQueue({ client: aws.sqs, queueUrl: c.fleets.default!.queueUrl });
      const dlq = new SqsJobQueue({ client: aws.sqs, queueUrl: c.fleets.default!.dlqUrl });
      const store = new S3ObjectStore({ client: aws.s3, bucket: c.bucket, conditionalWrites: "head-then-put" });
      const sup = c.supervisors.default!;

      // Every process of the cluster carries its tag: sample them all through the run.
      const seen = new Set<number>();
      const sampler = setInterval(() => findTagged(c.tag, true).forEach((p) => seen.add(p)), 200);
      try {
        const mix = Array.from({ length: JOBS }, (_, i) => jobOf(i));
        const bodies = await Promise.all(mix.map(({ job }) => messageBody(job, store)));
        expect(bodies.filter((b) => b.includes('"claim"'))).toHaveLength(30);
        const poison = [
          "{not json at all",
          '{"v":1,"fleet":"default"',
          JSON.stringify({ v: 99, id: "j_future", fleet: "default" }),
        ];
        await queue.sendMany([...poison.slice(0, 2), ...bodies, poison[2]!]);

        const resultsSoFar = async () => (await store.list(batchResultsPrefix(batchId))).keys.length;
        // SIGKILL a worker while it is busy.
        await waitFor("60 results", async () => (await resultsSoFar()) >= 60, 90_000);
        const first = await waitFor(
          "a busy worker",
          async () => {
            for (const w of sup.live()) {
              const h = await w.pollHealth();
              if (w.state === "running" && h && h.jobsRunning > 0) return w;
            }
            return undefined;
          },
          20_000,
        );
        const firstOrphans = findTagged(first.tag);
        expect(firstOrphans.length).toBeGreaterThan(1); // the worker and its REPLs
        process.kill(first.pid, "SIGKILL");
        const firstExit = await first.exited;
        expect(firstExit).toMatchObject({ signal: "SIGKILL", requested: false });
        // REPLs also exit on their own when the dead worker's pipes close; one still tearing down its memory is not a
        // zombie yet, so give exits a moment to complete before asserting that nothing survived.
        for (const deadline = Date.now() + 3000; firstOrphans.some((p) => isAlive(p)) && Date.now() < deadline;) {
          await new Promise((r) => setTimeout(r, 50));
        }
        const survivors = firstOrphans.filter((p) => isAlive(p)).map((p) => `${p}: ${describePid(p)}`);
        expect(survivors, `still alive after the SIGKILLed worker's sweep: ${survivors.join("; ")}`).toEqual([]);

        // SIGTERM another one: it drains and exits 0.
        await waitFor("120 results", async () => (await resultsSoFar()) >= 120, 90_000);
        const second = await waitFor(
          "another running worker",
          () => sup.live().find((w) => w !== first && w.state === "running"),
          30_000,
        );
        process.kill(second.pid, "SIGTERM");
        expect(await second.exited).toMatchObject({ code: 0, requested: false, orphansKilled: [] });

        // The service replaces both; every job gets its result.
        await waitFor("all results", async () => (await resultsSoFar()) === JOBS || undefined, 120_000);
        await waitFor(
          "poison settled from the DLQ and an empty queue",
          async () => {
            const [d, q, settled] = await Promise.all([
              dlq.depth(),
              queue.depth(),
              countDeadLettered(store, "default"),
            ]);
            return (
              (settled.count === poison.length && d.visible + d.inFlight === 0 && q.visible + q.inFlight === 0) ||
              undefined
            );
          },
          30_000,
        );
        const snap = await c.status();
        expect(snap.fleets.find((f) => f.fleet === "default")?.deadLettered).toEqual({
          count: poison.length,
          atLeast: false,
        });
        expect(sup.replaced).toBeGreaterThanOrEqual(2);

        const keys = (await store.list(batchResultsPrefix(batchId))).keys;
        expect(keys).toEqual(mix.map(({ job }) => resultKey(job.id)));
        const results = await Promise.all(keys.map(async (k) => JSON.parse((await store.get(k))!) as JobResult));
        const wrong = results.filter(
          (r, i) => r.status !== mix[i]!.expect || r.simulated !== true || r.jobId !== mix[i]!.job.id,
        );
        expect(wrong.map((r) => [r.jobId, r.status])).toEqual([]);
        for (const r of results.filter((x) => x.status === "crashed")) expect(r.attempts).toBe(2);
        for (const r of results.filter((x) => x.status === "timeout")) expect(r.verdict).toBe("none");
        expect(results.filter((r) => r.verdict === "valid")).toHaveLength(mix.filter((m) => m.expect === "ok").length);
        // A poison message with a readable job id gets its one terminal result from the dead-letter consumer.
        expect(JSON.parse((await store.get(resultKey("j_future")))!)).toMatchObject({
          jobId: "j_future",
          status: "crashed",
          verdict: "none",
          error: { code: "dead_lettered" },
        });
        expect(new Set(results.map((r) => r.worker)).size).toBeGreaterThanOrEqual(3);
        // The killed worker's jobs were delivered again and finished elsewhere.
        expect(results.filter((r) => Number(r.deliveries) >= 2).length).toBeGreaterThan(0);

        const records = (await store.list(deadLetterPrefix("default"))).keys;
        const dead = await Promise.all(
          records.map(async (k) => (JSON.parse((await store.get(k))!) as { body: string }).body),
        );
        expect(dead.sort()).toEqual([...poison].sort());
      } finally {
        clearInterval(sampler);
        aws.destroy();
      }
      await c.close();
      cluster = undefined;
      expect(seen.size).toBeGreaterThan(6); // workers (2 + replacements) and their REPLs were all seen
      expect(findTagged(c.tag, true)).toEqual([]);
      expect([...seen].filter((p) => isAlive(p))).toEqual([]);
    },
  );
});
