// LeanFleetClient against createApp on in-memory fakes: submit/wait, handle chains, batches split and appended,
// recovery from a partially enqueued call, and the results stream resuming with its cursor.
import { describe, expect, it } from "vitest";
import { LeanFleetClient } from "../../services/client/index.js";
import { batchJobId, jobSchema, type JobResult } from "../../services/jobs/index.js";
import { memoryApp, messagesOf, writeResult } from "../api/helpers/api-env.js";

function clientFor(
  app: ReturnType<typeof memoryApp>["app"],
  extra: Partial<ConstructorParameters<typeof LeanFleetClient>[0]> = {},
) {
  const viaApp: typeof fetch = async (input, init) =>
    app.request(input instanceof URL ? input.href : String(input), init);
  return new LeanFleetClient({
    endpoint: "http://api.test",
    fetch: viaApp,
    retry: { retries: 3, baseDelayMs: 5, maxDelayMs: 20 },
    ...extra,
  });
}

/** Act as a worker for `n` messages of the queue: write the result `make(job)` for each. */
async function work(
  env: ReturnType<typeof memoryApp>,
  n: number,
  make: (jobId: string) => Partial<JobResult> = () => ({}),
) {
  for (let done = 0; done < n;) {
    for (const m of await env.queue.receive(10, 1)) {
      const job = jobSchema.parse(JSON.parse(m.body));
      await writeResult(env.store, job.id, { ...(job.batchId ? { batchId: job.batchId } : {}), ...make(job.id) });
      await env.queue.ack(m.receipt);
      done++;
    }
  }
}

describe("LeanFleetClient", () => {
  it("check() submits and returns the result; wait() polls a job to completion", async () => {
    const env = memoryApp();
    const client = clientFor(env.app);
    const [result] = await Promise.all([
      client.check({ code: "example : True := trivial" }, { timeoutMs: 10_000 }),
      work(env, 1),
    ]);
    expect(result).toMatchObject({ status: "ok", verdict: "valid", simulated: true });
    const { jobId } = await client.submit({ code: "#check 2" });
    const [waited] = await Promise.all([client.wait(jobId, { timeoutMs: 10_000 }), work(env, 1)]);
    expect(waited.jobId).toBe(jobId);
  });

  it("carries handle chains: handles from a result are sent back with the request that uses them", async () => {
    const env = memoryApp();
    const client = clientFor(env.app);
    const envH = `env_${"a".repeat(32)}`;
    const psH = `ps_${"b".repeat(32)}`;
    const handles = [
      { handle: envH, request: { cmd: "theorem x : 1 = 1 := by sorry" }, select: { kind: "env" } },
      { handle: psH, request: { cmd: "theorem x : 1 = 1 := by sorry" }, select: { kind: "sorry", index: 0 } },
    ];
    const psChild = `ps_${"c".repeat(32)}`;
    const step = { handle: psChild, request: { tactic: "skip", proofState: psH }, select: { kind: "proofState" } };
    const [first] = await Promise.all([
      client.check({ code: "theorem x : 1 = 1 := by sorry", keep: true }),
      work(env, 1, () => ({ handles })),
    ]);
    expect(first.handles).toHaveLength(2);
    await Promise.all([
      client.check({ tactic: "skip", proofState: psH, keep: true }),
      work(env, 1, () => ({ handles: [step] })),
    ]);
    await client.submit({ tactic: "rfl", proofState: psChild });
    const sent = messagesOf(env.queue).map((m) => jobSchema.parse(m));
    const last = sent[sent.length - 1]!;
    expect(last.request).toEqual({ kind: "tactic", tactic: "rfl", proofState: psChild });
    // The chain of ps_c… reaches back through ps_b… to the fresh command, parents first.
    expect(last.chain!.map((r) => (r as { handle: string }).handle)).toEqual([psH, psChild]);
    expect(client.handles.chainFor(envH)).toHaveLength(1);
  });

  it("submitBatch splits into appending calls and reports each item's seq", async () => {
    const env = memoryApp();
    const client = clientFor(env.app, { batchItemsPerCall: 4 });
    const items = Array.from({ length: 10 }, (_, i) => ({ code: `example : ${i} = ${i} := rfl`, group: `p${i % 3}` }));
    const progress: number[] = [];
    const sub = await client.submitBatch(items, { earlyStop: true, onProgress: (n) => progress.push(n) });
    expect(sub.seqs).toEqual(items.map((_, i) => i));
    expect(progress).toEqual([4, 8, 10]);
    const jobs = messagesOf(env.queue).map((m) => jobSchema.parse(m));
    expect(jobs.map((j) => j.id)).toEqual(items.map((_, i) => batchJobId(sub.batchId, i)));
    expect(jobs.every((j) => j.earlyStop)).toBe(true);
    expect(await client.progress(sub.batchId)).toMatchObject({ total: 10, done: 0 });
  });

  it("recovers from a partially enqueued call by resending only the items that did not reach the queue", async () => {
    const env = memoryApp({ limits: { sendConcurrency: 1 } });
    const sendMany = env.queue.sendMany.bind(env.queue);
    let calls = 0;
    env.queue.sendMany = async (bodies: string[]) => {
      if (++calls === 2) throw new Error("throttled");
      return sendMany(bodies);
    };
    const client = clientFor(env.app);
    const items = Array.from({ length: 25 }, (_, i) => ({ code: `#check ${i}` }));
    const sub = await client.submitBatch(items);
    const jobs = messagesOf(env.queue).map((m) => jobSchema.parse(m));
    expect(jobs).toHaveLength(25);
    // Every item was enqueued exactly once, under the seq the client reports for it.
    const byId = new Map(jobs.map((j) => [j.id, j]));
    sub.seqs.forEach((seq, i) =>
      expect((byId.get(batchJobId(sub.batchId, seq))!.request as { code: string }).code).toBe(`#check ${i}`),
    );
    expect(new Set(sub.seqs).size).toBe(25);
    expect(await client.progress(sub.batchId)).toMatchObject({ total: 25 });
  });

  it("streams results as they finish, and a stream resumed from a cursor yields each remaining result once", async () => {
    const env = memoryApp();
    const client = clientFor(env.app);
    const sub = await client.submitBatch(Array.from({ length: 8 }, (_, i) => ({ code: `#check ${i}` })));
    const id = (s: number) => batchJobId(sub.batchId, s);
    for (const s of [5, 1, 6]) await writeResult(env.store, id(s), { batchId: sub.batchId });
    const first = client.results(sub.batchId, { follow: false });
    const got: string[] = [];
    for await (const r of first) {
      got.push(r.jobId);
      if (got.length === 2) break; // the consumer stops early
    }
    expect(got).toEqual([id(1), id(5)]);
    for (const s of [0, 2, 3, 4, 7]) await writeResult(env.store, id(s), { batchId: sub.batchId });
    const resumed = client.results(sub.batchId, { cursor: first.cursor, waitSeconds: 1 });
    const rest: string[] = [];
    for await (const r of resumed) rest.push(r.jobId);
    expect(rest).toEqual([0, 2, 3, 4, 6, 7].map(id));
    expect(resumed.complete).toBe(true);
    expect(resumed.cursor).toBe("7");
  });

  it("follows a batch until complete while results keep arriving", async () => {
    const env = memoryApp();
    const client = clientFor(env.app);
    const sub = await client.submitBatch(Array.from({ length: 5 }, (_, i) => ({ code: `#check ${i}` })));
    const seen: string[] = [];
    await Promise.all([
      (async () => {
        for await (const r of client.results(sub.batchId, { waitSeconds: 2 })) seen.push(r.jobId);
      })(),
      work(env, 5),
    ]);
    expect(seen.sort()).toEqual([0, 1, 2, 3, 4].map((s) => batchJobId(sub.batchId, s)));
  });
});
