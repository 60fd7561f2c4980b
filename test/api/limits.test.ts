// Access and limits: bearer keys (hashed), per-key requests/s and queued-jobs limits (429 + Retry-After), body size.
import { describe, expect, it } from "vitest";
import { hashApiKey } from "../../functions/api/index.js";
import { depthOf, errorOf, json, memoryApp } from "./helpers/api-env.js";

const keys = [
  { id: "alice", sha256: hashApiKey("alice-key"), limits: { requestsPerSecond: 2, burst: 3 } },
  { id: "bob", sha256: hashApiKey("bob-key"), limits: { maxQueuedJobs: 5 } },
];
const as = (key: string) => ({ authorization: `Bearer ${key}` });

describe("authentication", () => {
  it("accepts a configured key (compared by SHA-256) and refuses others with 401 and WWW-Authenticate", async () => {
    const { app } = memoryApp({ auth: { required: true, keys } });
    expect((await app.request("/v1/cluster", { headers: as("bob-key") })).status).toBe(200);
    for (const headers of [{}, as("BOB-KEY"), as(hashApiKey("bob-key")), { authorization: "bob-key" }]) {
      const res = await app.request("/v1/cluster", { headers });
      expect(res.status).toBe(401);
      expect(res.headers.get("www-authenticate")).toMatch(/^Bearer/);
      expect((await errorOf(res)).code).toBe("unauthorized");
    }
  });

  it("serves /health and /openapi.json without a key", async () => {
    const { app } = memoryApp({ auth: { required: true, keys } });
    expect((await app.request("/health")).status).toBe(200);
    expect((await app.request("/openapi.json")).status).toBe(200);
  });

  it("without required keys (local), serves requests without a token as anonymous", async () => {
    const { app } = memoryApp();
    expect((await app.request("/v1/jobs", json({ code: "#check 1" }))).status).toBe(202);
  });

  it("keeps one key's batches invisible to another key (404)", async () => {
    const { app } = memoryApp({
      auth: {
        required: true,
        keys: [
          { id: "a", sha256: hashApiKey("k1") },
          { id: "b", sha256: hashApiKey("k2") },
        ],
      },
    });
    const res = await app.request("/v1/batches", json([{ code: "#check 1" }], as("k1")));
    const { batchId } = (await res.json()) as { batchId: string };
    expect((await app.request(`/v1/batches/${batchId}`, { headers: as("k1") })).status).toBe(200);
    expect((await app.request(`/v1/batches/${batchId}`, { headers: as("k2") })).status).toBe(404);
    expect((await app.request(`/v1/batches/${batchId}/results`, { headers: as("k2") })).status).toBe(404);
    expect((await app.request(`/v1/batches?batchId=${batchId}`, json([{ code: "#check 2" }], as("k2")))).status).toBe(
      404,
    );
  });
});

describe("per-key limits", () => {
  it("answers 429 rate_limited with Retry-After once a key's burst is spent; other keys are unaffected", async () => {
    let now = 1_000_000;
    const { app } = memoryApp({ auth: { required: true, keys }, now: () => now });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await app.request("/v1/cluster", { headers: as("alice-key") })).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    const res = await app.request("/v1/cluster", { headers: as("alice-key") });
    expect(res.status).toBe(429);
    expect(res.headers.get("retry-after")).toBe("1");
    expect(await errorOf(res)).toMatchObject({ code: "rate_limited" });
    expect((await app.request("/v1/cluster", { headers: as("bob-key") })).status).toBe(200);
    now += 1000; // two tokens refill at 2 requests/s
    expect((await app.request("/v1/cluster", { headers: as("alice-key") })).status).toBe(200);
    expect((await app.request("/v1/cluster", { headers: as("alice-key") })).status).toBe(200);
    expect((await app.request("/v1/cluster", { headers: as("alice-key") })).status).toBe(429);
  });

  it("answers 429 too_many_queued when a batch would pass maxQueuedJobs, and admits again as the queue drains", async () => {
    let now = 5_000_000;
    const { app, queue } = memoryApp({ auth: { required: true, keys }, now: () => now });
    const four = Array.from({ length: 4 }, (_, i) => ({ code: `#check ${i}` }));
    expect((await app.request("/v1/batches", json(four, as("bob-key")))).status).toBe(202);
    let res = await app.request("/v1/batches", json(four, as("bob-key")));
    expect(res.status).toBe(429);
    expect(Number(res.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect((await errorOf(res)).code).toBe("too_many_queued");
    expect(await depthOf({ q: queue })).toBe(4);
    // One more single job fits (4 + 1 <= 5); the next does not.
    expect((await app.request("/v1/jobs", json({ code: "#check 9" }, as("bob-key")))).status).toBe(202);
    expect((await app.request("/v1/jobs", json({ code: "#check 9" }, as("bob-key")))).status).toBe(429);
    // Workers finish everything; after the depth cache expires the key may submit again.
    for (;;) {
      const got = await queue.receive(10, 0);
      if (got.length === 0) break;
      for (const m of got) await queue.ack(m.receipt);
    }
    now += 2000;
    expect((await app.request("/v1/batches", json(four, as("bob-key")))).status).toBe(202);
  });

  it("GIVEN the queue depth cannot be read THEN the limit stays closed and the read is retried only once per cache period", async () => {
    let now = 7_000_000;
    const { app, queue } = memoryApp({ auth: { required: true, keys }, now: () => now });
    let reads = 0;
    const depth = queue.depth.bind(queue);
    queue.depth = async () => {
      reads++;
      throw new Error("AccessDenied");
    };
    for (let i = 0; i < 5; i++)
      expect((await app.request("/v1/jobs", json({ code: `#check ${i}` }, as("bob-key")))).status).toBe(202);
    for (let i = 0; i < 5; i++)
      expect((await app.request("/v1/jobs", json({ code: "#check x" }, as("bob-key")))).status).toBe(429);
    expect(reads).toBe(1); // one failed read, not one per request
    now += 2000;
    expect((await app.request("/v1/jobs", json({ code: "#check y" }, as("bob-key")))).status).toBe(429);
    expect(reads).toBe(2);
    // Workers finish everything and the depth reads work again: the key is admitted after the next period.
    queue.depth = depth;
    for (;;) {
      const got = await queue.receive(10, 0);
      if (got.length === 0) break;
      for (const m of got) await queue.ack(m.receipt);
    }
    now += 2000;
    expect((await app.request("/v1/jobs", json({ code: "#check z" }, as("bob-key")))).status).toBe(202);
  });

  it("answers 413 for a body over the route's limit, before enqueueing", async () => {
    const { app, queues } = memoryApp({ limits: { maxJobBodyBytes: 1000, maxBatchBodyBytes: 2000 } });
    let res = await app.request("/v1/jobs", json({ code: "x".repeat(2000) }));
    expect(res.status).toBe(413);
    expect((await errorOf(res)).code).toBe("payload_too_large");
    res = await app.request("/v1/batches", json([{ code: "x".repeat(3000) }]));
    expect(res.status).toBe(413);
    // Also when the client sends no Content-Length (a streamed body).
    const stream = new ReadableStream({
      start(c) {
        c.enqueue(new TextEncoder().encode(JSON.stringify({ code: "y".repeat(5000) })));
        c.close();
      },
    });
    res = await app.request("/v1/jobs", {
      method: "POST",
      body: stream,
      headers: { "content-type": "application/json", "transfer-encoding": "chunked" },
      duplex: "half",
    } as RequestInit);
    expect(res.status).toBe(413);
    expect(await depthOf(queues)).toBe(0);
  });
});
