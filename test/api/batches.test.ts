// POST /v1/batches, progress and the resumable results stream, over in-memory fakes.
import { describe, expect, it } from "vitest";
import { SHARED_BATCH_OWNER } from "../../services/batches/index.js";
import { batchJobId, batchManifestKey, jobSchema } from "../../services/jobs/index.js";
import { errorOf, memoryApp, messagesOf, writeResult } from "./helpers/api-env.js";

const items = (n: number, groups = 1) =>
  Array.from({ length: n }, (_, i) => ({ code: `theorem t${i} : True := trivial`, group: `g${i % groups}` }));

async function post(app: ReturnType<typeof memoryApp>["app"], body: string, query = "", type = "application/json") {
  return app.request(`/v1/batches${query}`, { method: "POST", body, headers: { "content-type": type } });
}

describe("POST /v1/batches", () => {
  it("GIVEN a JSON array with groups and earlyStop THEN enqueues every item with batch ids in order", async () => {
    const { app, queue } = memoryApp();
    const res = await post(app, JSON.stringify(items(5, 2)), "?earlyStop=true");
    expect(res.status).toBe(202);
    const body = (await res.json()) as {
      batchId: string;
      accepted: number;
      firstSeq: number;
      lastSeq: number;
      earlyStop: boolean;
    };
    expect(body).toMatchObject({ accepted: 5, firstSeq: 0, lastSeq: 4, earlyStop: true, fleet: "default" });
    const jobs = messagesOf(queue).map((m) => jobSchema.parse(m));
    expect(jobs.map((j) => j.id)).toEqual([0, 1, 2, 3, 4].map((s) => batchJobId(body.batchId, s)));
    expect(jobs.every((j) => j.earlyStop === true && j.batchId === body.batchId)).toBe(true);
    expect(jobs.map((j) => j.group)).toEqual(["g0", "g1", "g0", "g1", "g0"]);
  });

  it("GIVEN JSON Lines and appending calls with batchId THEN seqs continue and progress counts all items", async () => {
    const { app, queue } = memoryApp();
    const jsonl =
      items(3)
        .map((i) => JSON.stringify(i))
        .join("\n") + "\n\n";
    const first = (await (await post(app, jsonl, "", "application/x-ndjson")).json()) as { batchId: string };
    const second = await post(app, jsonl.replace(/\n/g, "\r\n"), `?batchId=${first.batchId}`, "application/x-ndjson");
    expect(second.status).toBe(202);
    expect(await second.json()).toMatchObject({ batchId: first.batchId, firstSeq: 3, lastSeq: 5 });
    expect(messagesOf(queue)).toHaveLength(6);
    const progress = (await (await app.request(`/v1/batches/${first.batchId}`)).json()) as {
      total: number;
      done: number;
    };
    expect(progress).toMatchObject({ total: 6, done: 0, complete: false });
  });

  it("GIVEN concurrent appends THEN their seq ranges never overlap", async () => {
    const { app, queue } = memoryApp();
    const { batchId } = (await (await post(app, JSON.stringify(items(2)))).json()) as { batchId: string };
    const answers = await Promise.all(
      [1, 2, 3, 4].map(() => post(app, JSON.stringify(items(3)), `?batchId=${batchId}`)),
    );
    const ranges = (await Promise.all(answers.map((r) => r.json()))) as { firstSeq: number; lastSeq: number }[];
    const seqs = ranges
      .flatMap((r) => Array.from({ length: r.lastSeq - r.firstSeq + 1 }, (_, i) => r.firstSeq + i))
      .sort((a, b) => a - b);
    expect(seqs).toEqual(Array.from({ length: 12 }, (_, i) => i + 2));
    expect(new Set(messagesOf(queue).map((m) => m.id)).size).toBe(14);
  });

  it("GIVEN an append that changes fleet or earlyStop THEN 409 and nothing enqueued", async () => {
    const { app, queues } = memoryApp({ fleets: ["default", "other"] });
    const { batchId } = (await (await post(app, JSON.stringify(items(1)), "?earlyStop=true")).json()) as {
      batchId: string;
    };
    const before = messagesOf(queues.default!).length;
    let res = await post(app, JSON.stringify(items(1)), `?batchId=${batchId}&earlyStop=false`);
    expect(res.status).toBe(409);
    expect((await errorOf(res)).field).toBe("earlyStop");
    res = await post(app, JSON.stringify(items(1)), `?batchId=${batchId}&fleet=other`);
    expect(res.status).toBe(409);
    expect(messagesOf(queues.default!)).toHaveLength(before);
    expect(messagesOf(queues.other!)).toHaveLength(0);
  });

  it("GIVEN the queue fails part-way THEN 503, and the batch counts only the items that were sent", async () => {
    const { app, queue, store } = memoryApp({ limits: { sendConcurrency: 1 } });
    const { batchId } = (await (await post(app, JSON.stringify(items(10)))).json()) as { batchId: string };
    // The next call's items are seqs 10..34, sent in chunks 10..19, 20..29, 30..34; the second chunk fails.
    const sendMany = queue.sendMany.bind(queue);
    let calls = 0;
    queue.sendMany = async (bodies: string[]) => {
      if (++calls === 2) throw new Error("throttled");
      return sendMany(bodies);
    };
    const res = await post(app, JSON.stringify(items(25)), `?batchId=${batchId}`);
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe("1");
    const err = await errorOf(res);
    expect(err).toMatchObject({
      code: "partial_enqueue",
      details: { batchId, firstSeq: 10, count: 25, sent: [{ from: 10, to: 19 }] },
    });
    expect(err.message).toContain("10 of 25 items of this call were enqueued");
    expect(messagesOf(queue).map((m) => m.id)).toEqual(Array.from({ length: 20 }, (_, s) => batchJobId(batchId, s)));
    expect(await (await app.request(`/v1/batches/${batchId}`)).json()).toMatchObject({ total: 20 });
    // Items never enqueued are unknown to GET, and the results stream completes without them.
    expect((await app.request(`/v1/jobs/${batchJobId(batchId, 25)}`)).status).toBe(404);
    expect(await (await app.request(`/v1/jobs/${batchJobId(batchId, 15)}`)).json()).toMatchObject({ state: "queued" });
    for (let s = 0; s < 20; s++) await writeResult(store, batchJobId(batchId, s));
    const page = await app.request(`/v1/batches/${batchId}/results`);
    expect((await page.text()).trim().split("\n")).toHaveLength(20);
    expect(page.headers.get("leanfleet-complete")).toBe("true");
    // An append after the failure continues after the reserved range.
    queue.sendMany = sendMany;
    expect(await (await post(app, JSON.stringify(items(1)), `?batchId=${batchId}`)).json()).toMatchObject({
      firstSeq: 35,
    });
  });
});

describe("GET /v1/batches/:id and /results", () => {
  it("counts done, valid and statuses; streams results resumably as they finish out of order", async () => {
    const { app, store } = memoryApp();
    const { batchId } = (await (await post(app, JSON.stringify(items(6, 3)), "?earlyStop=true")).json()) as {
      batchId: string;
    };
    const id = (s: number) => batchJobId(batchId, s);
    await writeResult(store, id(4), { status: "ok", verdict: "valid", group: "g1" });
    await writeResult(store, id(1), { status: "lean_error", verdict: "invalid", group: "g1" });

    let res = await app.request(`/v1/batches/${batchId}/results`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("application/x-ndjson");
    let lines = (await res.text())
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { jobId: string });
    expect(lines.map((l) => l.jobId)).toEqual([id(1), id(4)]);
    let cursor = res.headers.get("leanfleet-cursor")!;
    expect(res.headers.get("leanfleet-complete")).toBe("false");
    expect(cursor).toBe("-1.1.4");

    // Earlier items finish later: a resume with the cursor must still deliver them, and nothing twice.
    await writeResult(store, id(0), { status: "timeout", verdict: "none" });
    await writeResult(store, id(2), { status: "skipped", verdict: "none" });
    res = await app.request(`/v1/batches/${batchId}/results?cursor=${cursor}`);
    lines = (await res.text())
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { jobId: string });
    expect(lines.map((l) => l.jobId)).toEqual([id(0), id(2)]);
    cursor = res.headers.get("leanfleet-cursor")!;
    expect(cursor).toBe("2.4");

    res = await app.request(`/v1/batches/${batchId}/results?cursor=${cursor}`);
    expect(await res.text()).toBe("");

    const progress = (await (await app.request(`/v1/batches/${batchId}`)).json()) as Record<string, unknown>;
    expect(progress).toMatchObject({
      total: 6,
      done: 4,
      valid: 1,
      classified: 4,
      complete: false,
      simulated: true,
      earlyStop: true,
    });
    expect(progress.byStatus).toEqual({ ok: 1, lean_error: 1, timeout: 1, crashed: 0, rejected: 0, skipped: 1 });

    await writeResult(store, id(3));
    await writeResult(store, id(5));
    res = await app.request(`/v1/batches/${batchId}/results?cursor=${cursor}&limit=1`);
    expect(res.headers.get("leanfleet-more")).toBe("true");
    cursor = res.headers.get("leanfleet-cursor")!;
    res = await app.request(`/v1/batches/${batchId}/results?cursor=${cursor}`);
    expect(res.headers.get("leanfleet-complete")).toBe("true");
    expect(res.headers.get("leanfleet-cursor")).toBe("5");
    expect(await (await app.request(`/v1/batches/${batchId}`)).json()).toMatchObject({ done: 6, complete: true });
  });

  it("counts valid and pass@k by trust level when results carry trust (fast: passed the fast checks; strict: comparator accepted too)", async () => {
    const { app, store } = memoryApp();
    const { batchId } = (await (await post(app, JSON.stringify(items(4, 2)))).json()) as { batchId: string };
    const id = (s: number) => batchJobId(batchId, s);
    await writeResult(store, id(0), { status: "ok", verdict: "valid", group: "g0", trust: "fast" });
    await writeResult(store, id(1), { status: "ok", verdict: "invalid", group: "g1", trust: "fast" });
    let progress = (await (await app.request(`/v1/batches/${batchId}`)).json()) as {
      byTrust?: Record<string, unknown>;
    };
    expect(progress.byTrust).toEqual({ fast: { valid: 1, validRate: 0.5, groupsPassed: 1, passAtK: [0.5] } }); // k up to the most results of a group so far

    await writeResult(store, id(2), { status: "ok", verdict: "invalid", group: "g0", trust: "strict" });
    await writeResult(store, id(3), { status: "ok", verdict: "valid", group: "g1", trust: "strict" });
    progress = (await (await app.request(`/v1/batches/${batchId}`)).json()) as { byTrust?: Record<string, unknown> };
    expect(progress.byTrust).toEqual({
      fast: { valid: 3, validRate: 0.75, groupsPassed: 2, passAtK: [0.75, 1] },
      strict: { valid: 1, validRate: 0.25, groupsPassed: 1, passAtK: [0.25, 0.5] },
    });
  });

  it("long-polls with ?wait until a result arrives", async () => {
    const { app, store } = memoryApp();
    const { batchId } = (await (await post(app, JSON.stringify(items(2)))).json()) as { batchId: string };
    setTimeout(() => void writeResult(store, batchJobId(batchId, 1)), 150);
    const res = await app.request(`/v1/batches/${batchId}/results?wait=5`);
    expect((await res.text()).trim().split("\n")).toHaveLength(1);
    expect(res.headers.get("leanfleet-cursor")).toBe("-1.1");
  });

  it("reads a settled batch's part records once, not on every poll", async () => {
    let now = Date.parse("2026-01-01T00:00:00Z");
    const { app, store } = memoryApp({ now: () => now });
    const { batchId } = (await (await post(app, JSON.stringify(items(2)))).json()) as { batchId: string };
    for (let i = 0; i < 5; i++) await post(app, JSON.stringify(items(2)), `?batchId=${batchId}`);
    now += 10 * 60_000;
    expect(await (await app.request(`/v1/batches/${batchId}`)).json()).toMatchObject({ total: 12 });
    const before = store.calls.get;
    expect(await (await app.request(`/v1/batches/${batchId}`)).json()).toMatchObject({ total: 12 });
    // Only the manifest is read again (no result exists, so no result reads either).
    expect(store.calls.get - before).toBe(1);
  });

  it("GIVEN a nightly (shared) batch THEN any key reads its progress, but appending to it is 404 and enqueues nothing", async () => {
    const { app, store, queue } = memoryApp();
    const batchId = "b_01234567-89ab-7def-8123-456789abcdef";
    const manifest = {
      v: 1,
      batchId,
      fleet: "default",
      earlyStop: false,
      createdAt: new Date().toISOString(),
      owner: SHARED_BATCH_OWNER,
      total: 3,
    };
    await store.put(batchManifestKey(batchId), JSON.stringify(manifest));
    const read = await app.request(`/v1/batches/${batchId}`);
    expect(read.status).toBe(200);
    expect(await read.json()).toMatchObject({ total: 3, done: 0 });
    const append = await post(app, JSON.stringify(items(1)), `?batchId=${batchId}`);
    expect(append.status).toBe(404);
    expect(messagesOf(queue)).toHaveLength(0);
  });

  it("answers 404 for unknown batches", async () => {
    const { app } = memoryApp();
    const res = await app.request("/v1/batches/b_01234567-89ab-7def-8123-456789abcdef");
    expect(res.status).toBe(404);
    expect((await errorOf(res)).code).toBe("not_found");
  });
});
