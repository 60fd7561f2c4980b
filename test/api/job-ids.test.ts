// Owner-bound single-job ids: issued ids verify for their owner only, survive a new app instance on the same
// store (the secret lives in the bucket), and keep the shared `j_` + UUIDv7 format.
import { describe, expect, it } from "vitest";
import { ID_SECRET_KEY, JobIdSigner, loadIdSecret } from "../../functions/api/index.js";
import { MemoryObjectStore } from "../support/fakes.js";

describe("JobIdSigner", () => {
  it("issues j_ + UUIDv7 ids that verify for their owner only", async () => {
    const store = new MemoryObjectStore();
    const signer = new JobIdSigner(() => loadIdSecret(store));
    const id = await signer.issue("alice");
    expect(id).toMatch(/^j_[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(await signer.verify(id, "alice")).toBe(true);
    expect(await signer.verify(id, "bob")).toBe(false);
    // Any change to the id breaks the MAC.
    const tampered = id.slice(0, -1) + (id.endsWith("0") ? "1" : "0");
    expect(await signer.verify(tampered, "alice")).toBe(false);
    expect(await signer.verify("j_01234567-89ab-7def-8123-456789abcdef", "alice")).toBe(false);
    expect(await signer.verify("b_01234567-89ab-7def-8123-456789abcdef.000000001", "alice")).toBe(false);
  });

  it("keeps ids valid across instances sharing a store, and ids are unique", async () => {
    const store = new MemoryObjectStore();
    const a = new JobIdSigner(() => loadIdSecret(store));
    const ids = await Promise.all(Array.from({ length: 1000 }, () => a.issue("k"))); // several refills of the random pool
    expect(new Set(ids).size).toBe(1000);
    const b = new JobIdSigner(() => loadIdSecret(store));
    expect(await b.verify(ids[0]!, "k")).toBe(true);
    expect((await store.get(ID_SECRET_KEY))!).toMatch(/^[0-9a-f]{64}$/);
    const other = new JobIdSigner(() => loadIdSecret(new MemoryObjectStore()));
    expect(await other.verify(ids[0]!, "k")).toBe(false);
  });

  it("retries loading the secret after a store failure", async () => {
    const store = new MemoryObjectStore();
    store.failNext("get", new Error("S3 down"));
    const signer = new JobIdSigner(() => loadIdSecret(store));
    await expect(signer.issue("k")).rejects.toThrow("S3 down");
    expect(await signer.verify(await signer.issue("k"), "k")).toBe(true);
  });
});
