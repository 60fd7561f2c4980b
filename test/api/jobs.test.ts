// POST /v1/jobs and GET /v1/jobs/:id over in-memory fakes: job format, claim check, ?wait, states, handles.
import { describe, expect, it } from "vitest";
import { inputKey, isClaim, jobMessageSchema, jobSchema, runningKey } from "../../services/jobs/index.js";
import { hashApiKey } from "../../functions/api/index.js";
import { SqsServiceError } from "../../services/aws/index.js";
import { InternalError, LeanFleetError } from "../../services/core/index.js";
import { errorOf, fakeHandle, json, memoryApp, messagesOf, writeResult } from "./helpers/api-env.js";

describe("POST /v1/jobs", () => {
  it("GIVEN code WHEN submitted THEN answers 202 {jobId} and enqueues one job in the shared format", async () => {
    const { app, queue } = memoryApp();
    const res = await app.request(
      "/v1/jobs",
      json({ code: "theorem t : 1 + 1 = 2 := rfl", timeoutMs: 5000, options: { allTactics: true } }),
    );
    expect(res.status).toBe(202);
    const { jobId } = (await res.json()) as { jobId: string };
    expect(jobId).toMatch(/^j_[0-9a-f-]{36}$/);
    expect(res.headers.get("location")).toBe(`/v1/jobs/${jobId}`);
    const [msg] = messagesOf(queue);
    const job = jobSchema.parse(msg);
    expect(job).toMatchObject({
      id: jobId,
      fleet: "default",
      timeoutMs: 5000,
      keep: false,
      request: { kind: "command", code: "theorem t : 1 + 1 = 2 := rfl", options: { allTactics: true } },
    });
  });

  it("GIVEN file content, or a tactic on a proof-state handle with its chain THEN builds the matching request kinds", async () => {
    const { app, queue } = memoryApp();
    const env = fakeHandle("env", 1);
    const ps = fakeHandle("ps", 2);
    const chain = [
      { handle: env, request: { cmd: "theorem x : True := by sorry" }, select: { kind: "env" } },
      { handle: ps, request: { cmd: "theorem x : True := by sorry" }, select: { kind: "sorry", index: 0 } },
    ];
    expect(
      (
        await app.request(
          "/v1/jobs",
          json({ file: { content: "def f := 1\n", name: "F.lean" }, env, chain: [chain[0]] }),
        )
      ).status,
    ).toBe(202);
    expect((await app.request("/v1/jobs", json({ tactic: "trivial", proofState: ps, keep: true, chain }))).status).toBe(
      202,
    );
    const [a, b] = messagesOf(queue).map((m) => jobSchema.parse(m));
    expect(a!.request).toEqual({ kind: "file", content: "def f := 1\n", name: "F.lean", env });
    expect(b!.request).toEqual({ kind: "tactic", tactic: "trivial", proofState: ps });
    expect(b!.keep).toBe(true);
    expect(b!.chain).toHaveLength(2);
  });

  it("GIVEN a job larger than the claim-check threshold THEN stores it and enqueues a pointer", async () => {
    const { app, queue, store } = memoryApp();
    const code = `-- ${"x".repeat(300 * 1024)}\ntheorem t : True := trivial`;
    const res = await app.request("/v1/jobs", json({ code }));
    expect(res.status).toBe(202);
    const { jobId } = (await res.json()) as { jobId: string };
    const [msg] = messagesOf(queue);
    expect(isClaim(msg!)).toBe(true);
    expect(msg).toEqual({ v: 1, id: jobId, fleet: "default", claim: inputKey(jobId) });
    const stored = jobSchema.parse(JSON.parse((await store.get(inputKey(jobId)))!));
    expect(stored.request).toMatchObject({ kind: "command", code });
    expect(queue.snapshot()[0]!.body.length).toBeLessThan(1000);
  });

  it("GIVEN ?wait=S and a result written meanwhile THEN answers 200 with the result", async () => {
    const { app, queue, store } = memoryApp();
    // Act as a worker: take the message and write its result shortly after.
    const worker = (async () => {
      for (;;) {
        const [m] = await queue.receive(1, 1);
        if (!m) continue;
        const job = jobMessageSchema.parse(JSON.parse(m.body));
        await new Promise((r) => setTimeout(r, 100));
        await writeResult(store, job.id, { verdict: "valid" });
        return job.id;
      }
    })();
    const res = await app.request("/v1/jobs?wait=10", json({ code: "example : True := trivial" }));
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      jobId: string;
      state: string;
      result: { jobId: string; verdict: string; simulated: boolean };
    };
    expect(body.state).toBe("done");
    expect(body.result.jobId).toBe(await worker);
    expect(body.result).toMatchObject({ verdict: "valid", simulated: true });
  });

  it("GIVEN ?wait and no worker THEN answers 202 with state queued after the wait", async () => {
    const { app } = memoryApp();
    const t0 = Date.now();
    const res = await app.request("/v1/jobs?wait=0.3", json({ code: "#check 1" }));
    expect(res.status).toBe(202);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
    expect(await res.json()).toMatchObject({ state: "queued" });
  });

  it("GIVEN a fleet name THEN the job goes to that fleet's queue only", async () => {
    const { app, queues } = memoryApp({ fleets: ["default", "mathlib"] });
    expect((await app.request("/v1/jobs", json({ code: "#check 1", fleet: "mathlib" }))).status).toBe(202);
    expect(messagesOf(queues.mathlib!)).toHaveLength(1);
    expect(messagesOf(queues.default!)).toHaveLength(0);
  });

  it("GIVEN SQS answers an error, times out, or the adapter is closed THEN 503 upstream_unavailable, retryable", async () => {
    const failures = [
      new SqsServiceError("ThrottlingException", "Rate exceeded", undefined, 400),
      new LeanFleetError("network", "no answer from SQS within 10000 ms"),
      new InternalError("SqsWire is closed"),
    ];
    for (const failure of failures) {
      const { app, queue } = memoryApp();
      queue.failNext("send", failure);
      const res = await app.request("/v1/jobs", json({ code: "#check 1" }));
      expect(res.status, failure.code).toBe(503);
      expect(res.headers.get("retry-after")).not.toBeNull();
      expect((await errorOf(res)).code).toBe("upstream_unavailable");
    }
  });
});

describe("GET /v1/jobs/:id", () => {
  it("reports queued, then running (worker marker), then done with the result", async () => {
    const { app, store } = memoryApp();
    const { jobId } = (await (await app.request("/v1/jobs", json({ code: "#check 1" }))).json()) as { jobId: string };
    expect(await (await app.request(`/v1/jobs/${jobId}`)).json()).toEqual({ jobId, state: "queued" });
    await store.put(runningKey(jobId), "{}");
    expect(await (await app.request(`/v1/jobs/${jobId}`)).json()).toEqual({ jobId, state: "running" });
    const result = await writeResult(store, jobId, { status: "lean_error", verdict: "invalid" });
    const res = await app.request(`/v1/jobs/${jobId}`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ jobId, state: "done", result });
  });

  it("answers 404 for a well-formed id that was never accepted, even when a result object exists", async () => {
    const { app, store } = memoryApp();
    const id = "j_01234567-89ab-7def-8123-456789abcdef";
    let res = await app.request(`/v1/jobs/${id}`);
    expect(res.status).toBe(404);
    expect((await errorOf(res)).code).toBe("not_found");
    await writeResult(store, id);
    res = await app.request(`/v1/jobs/${id}`);
    expect(res.status).toBe(404);
  });

  it("hides a job from another API key (404), shows it to its owner", async () => {
    const keys = [
      { id: "alice", sha256: hashApiKey("alice-key") },
      { id: "bob", sha256: hashApiKey("bob-key") },
    ];
    const { app } = memoryApp({ auth: { required: true, keys } });
    const alice = { authorization: "Bearer alice-key" };
    const { jobId } = (await (await app.request("/v1/jobs", json({ code: "#check 1" }, alice))).json()) as {
      jobId: string;
    };
    expect((await app.request(`/v1/jobs/${jobId}`, { headers: alice })).status).toBe(200);
    expect((await app.request(`/v1/jobs/${jobId}`, { headers: { authorization: "Bearer bob-key" } })).status).toBe(404);
  });
});
