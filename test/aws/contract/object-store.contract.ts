// Contract suite of the ObjectStore port: every implementation (in-memory fake, S3 on fauxqs) must pass it.
import { describe, expect, it } from "vitest";
import type { ObjectStore } from "../../../services/core/index.js";

/** Builds a fresh, empty store per test. */
export type ObjectStoreFactory = () => Promise<ObjectStore> | ObjectStore;

/** Register the ObjectStore contract tests for one implementation. */
export function objectStoreContract(name: string, make: ObjectStoreFactory): void {
  describe(`ObjectStore contract: ${name}`, () => {
    it("round-trips text (Unicode, 300 KiB) and reports absence as undefined / false", async () => {
      const store = await make();
      const big = "⊢ ∀ n, n + 0 = n\n".repeat(20_000);
      expect(await store.put("a/big.json", big)).toBe(true);
      expect(await store.get("a/big.json")).toBe(big);
      expect(await store.exists("a/big.json")).toBe(true);
      expect(await store.get("a/missing.json")).toBeUndefined();
      expect(await store.exists("a/missing.json")).toBe(false);
    });

    it("put with ifAbsent keeps the existing object and returns false; a plain put overwrites", async () => {
      const store = await make();
      expect(await store.put("r/1.json", "first", { ifAbsent: true })).toBe(true);
      expect(await store.put("r/1.json", "second", { ifAbsent: true })).toBe(false);
      expect(await store.get("r/1.json")).toBe("first");
      expect(await store.put("r/1.json", "third")).toBe(true);
      expect(await store.get("r/1.json")).toBe("third");
    });

    it("lists keys under a prefix in order, pages with limit / next / startAfter", async () => {
      const store = await make();
      const keys = ["p/b", "p/a", "p/c/d", "p/c/e", "q/x", "p0"];
      for (const k of keys) await store.put(k, k);
      expect((await store.list("p/")).keys).toEqual(["p/a", "p/b", "p/c/d", "p/c/e"]);
      const page1 = await store.list("p/", { limit: 3 });
      expect(page1.keys).toEqual(["p/a", "p/b", "p/c/d"]);
      expect(page1.next).toBe("p/c/d");
      const page2 = await store.list("p/", { limit: 3, startAfter: page1.next! });
      expect(page2).toEqual({ keys: ["p/c/e"] });
      expect((await store.list("p/", { startAfter: "p/b" })).keys).toEqual(["p/c/d", "p/c/e"]);
      expect((await store.list("none/")).keys).toEqual([]);
    });

    it("deletes, and deleting a missing key is not an error", async () => {
      const store = await make();
      await store.put("d/1", "x");
      await store.delete("d/1");
      expect(await store.exists("d/1")).toBe(false);
      await store.delete("d/1");
      expect(await store.put("d/1", "again", { ifAbsent: true })).toBe(true);
    });
  });
}
