// Message bodies: jobs, claim checks, poison (left to the dead-letter queue) and readable-but-invalid jobs.
import { describe, expect, it } from "vitest";
import { inputKey } from "../../services/jobs/index.js";
import { decodeMessage } from "../../services/jobs/index.js";
import { MemoryObjectStore } from "../support/fakes.js";
import { makeJob, messageBody } from "../worker/helpers/jobs.js";

describe("decodeMessage", () => {
  it("decodes a job, and resolves a claim check from the store", async () => {
    const store = new MemoryObjectStore();
    const small = makeJob();
    expect(await decodeMessage(JSON.stringify(small), "test", store)).toEqual({
      kind: "job",
      job: small,
      claimed: false,
    });
    const big = makeJob({ code: "-- pad\n".repeat(50_000) });
    const body = await messageBody(big, store);
    expect(body.length).toBeLessThan(300);
    expect(await decodeMessage(body, "test", store)).toEqual({ kind: "job", job: big, claimed: true });
  });

  it("poison: not JSON, not an object, unknown version, missing or mismatched claim, no readable id", async () => {
    const store = new MemoryObjectStore();
    expect(await decodeMessage("{not json", "test", store)).toMatchObject({ kind: "poison", reason: /not JSON/ });
    expect(await decodeMessage("[1]", "test", store)).toMatchObject({ kind: "poison" });
    expect(await decodeMessage(JSON.stringify({ ...makeJob(), v: 2 }), "test", store)).toMatchObject({
      kind: "poison",
      reason: /version 2/,
    });
    const claim = JSON.stringify({ v: 1, id: "j_1", fleet: "test", claim: inputKey("j_1") });
    expect(await decodeMessage(claim, "test", store)).toMatchObject({
      kind: "poison",
      jobId: "j_1",
      reason: /missing/,
    });
    await store.put(inputKey("j_1"), JSON.stringify(makeJob({ id: "j_other" })));
    expect(await decodeMessage(claim, "test", store)).toMatchObject({ kind: "poison", reason: /does not hold/ });
    expect(await decodeMessage(JSON.stringify({ v: 1, fleet: "test" }), "test", store)).toMatchObject({
      kind: "poison",
      reason: /no readable id/,
    });
  });

  it("invalid: a readable job with bad content, or queued on another fleet", async () => {
    const store = new MemoryObjectStore();
    const bad = { ...makeJob({ batchId: "b_1", group: "g" }), timeoutMs: 5 };
    expect(await decodeMessage(JSON.stringify(bad), "test", store)).toMatchObject({
      kind: "invalid",
      reason: /timeoutMs/,
      header: { id: bad.id, fleet: "test", batchId: "b_1", group: "g" },
    });
    expect(await decodeMessage(JSON.stringify(makeJob({ fleet: "other" })), "test", store)).toMatchObject({
      kind: "invalid",
      reason: /fleet "other"/,
    });
  });

  it("a store failure is thrown (infrastructure: the message is left for redelivery)", async () => {
    const store = new MemoryObjectStore();
    store.failNext("get", new Error("S3 down"));
    await expect(
      decodeMessage(JSON.stringify({ v: 1, id: "j_1", fleet: "test", claim: inputKey("j_1") }), "test", store),
    ).rejects.toThrow("S3 down");
  });
});
