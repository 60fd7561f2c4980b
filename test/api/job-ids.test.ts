// Owner-bound single-job ids: issued ids verify for their owner only, survive a new app instance on the same
// store (the secret lives in the bucket), and keep the shared `j_` + UUIDv7 format. Ids signed ahead in blocks are
// never older than the block age limit; their tag is AES-256 under an owner key, and ids of the earlier HMAC tag
// still verify.
import { createCipheriv, createHmac, randomBytes } from "node:crypto";
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

  it("tags ids with AES-256 of their head under the owner's key, and still verifies ids with the older HMAC tag", async () => {
    const secret = randomBytes(32);
    const signer = new JobIdSigner(async () => secret);
    const bytesOf = (id: string) => Buffer.from(id.slice(2).replace(/-/g, ""), "hex");
    const format = (b: Buffer) => `j_${b.toString("hex").replace(/^(.{8})(.{4})(.{4})(.{4})/, "$1-$2-$3-$4-")}`;
    for (const owner of ["k", "anonymous", "équipe-証明", "x".repeat(2000)]) {
      const ownerKey = createHmac("sha256", secret)
        .update("leanfleet job-id tag key v2\0")
        .update(owner, "utf8")
        .digest();
      for (let i = 0; i < 40; i++) {
        const bytes = bytesOf(await signer.issue(owner));
        const block = Buffer.concat([bytes.subarray(0, 11), Buffer.alloc(5)]);
        const aes = createCipheriv("aes-256-ecb", ownerKey, null).setAutoPadding(false).update(block);
        expect(bytes.subarray(11).toString("hex")).toBe(aes.subarray(0, 5).toString("hex"));
      }
      // An id of the HMAC scheme that existed for one commit no longer verifies (its support is gone).
      const head = bytesOf(await signer.issue(owner)).subarray(0, 11);
      const legacy = Buffer.concat([
        head,
        createHmac("sha256", secret).update(head).update("\0").update(owner, "utf8").digest().subarray(0, 5),
      ]);
      expect(await signer.verify(format(legacy), owner)).toBe(false);
    }
  });

  it("signs ids ahead per owner, but an id's UUIDv7 time is never older than blockMaxAgeMs when it is issued", async () => {
    let now = 1_750_000_000_000;
    const signer = new JobIdSigner(async () => randomBytes(32), { maxBlockIds: 8, blockMaxAgeMs: 50, now: () => now });
    const uuidMs = (id: string) => parseInt(id.slice(2).replace(/-/g, "").slice(0, 12), 16);
    const seen = new Set<string>();
    let fromEarlierMs = 0;
    // Bursts, lulls and two interleaved owners: blocks grow, expire with ids unused, and shrink again.
    for (let i = 0; i < 2000; i++) {
      now += i % 97 < 60 ? (i % 3 === 0 ? 1 : 0) : 7 + (i % 5) * 11;
      const owner = i % 4 === 0 ? "bob" : "alice";
      const id = await signer.issue(owner);
      expect(seen.has(id)).toBe(false);
      seen.add(id);
      expect(uuidMs(id)).toBeLessThanOrEqual(now);
      expect(now - uuidMs(id)).toBeLessThanOrEqual(50);
      if (uuidMs(id) < now) fromEarlierMs++;
      if (i % 50 === 0) {
        expect(await signer.verify(id, owner)).toBe(true);
        expect(await signer.verify(id, owner === "bob" ? "alice" : "bob")).toBe(false);
      }
    }
    expect(fromEarlierMs).toBeGreaterThan(100); // ids did come from blocks signed earlier
  });
});
