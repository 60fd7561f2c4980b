// Single-job ids that prove they were issued to their owner: a UUIDv7 (the shared `j_…` format) whose last 40 bits
// are an HMAC of the rest and of the owner's key id. GET /v1/jobs/:id then tells "accepted" from "never accepted"
// without writing a marker per job (which would cost an S3 PUT on the enqueue path), and hides jobs of other keys.
// The secret lives in the bucket (config/id-secret), created once, so ids stay valid across API instances and restarts.
import { createHmac, createSecretKey, randomBytes, randomFillSync, timingSafeEqual, type KeyObject } from "node:crypto";
import { v7 as uuidv7 } from "uuid";
import type { ObjectStore } from "../../services/worker/ports.js";

/** Key of the id-signing secret in the object store (must not expire: ids issued under it stop verifying). */
export const ID_SECRET_KEY = "config/id-secret";

/** Read the id-signing secret from the store, creating it (conditional put, first writer wins) when absent. */
export async function loadIdSecret(store: ObjectStore): Promise<Buffer> {
  const existing = await store.get(ID_SECRET_KEY);
  if (existing !== undefined && /^[0-9a-f]{64}$/.test(existing.trim())) return Buffer.from(existing.trim(), "hex");
  await store.put(ID_SECRET_KEY, randomBytes(32).toString("hex"), { ifAbsent: true, contentType: "text/plain" });
  const winner = (await store.get(ID_SECRET_KEY))?.trim() ?? "";
  if (!/^[0-9a-f]{64}$/.test(winner)) throw new Error(`${ID_SECRET_KEY} in the bucket is not 64 hex digits; delete it to have a new one created`);
  return Buffer.from(winner, "hex");
}

const MAC_BYTES = 5;
const UUID_BYTES = 16;

function uuidBytes(uuid: string): Buffer | undefined {
  const hex = uuid.replace(/-/g, "");
  return /^[0-9a-f]{32}$/.test(hex) ? Buffer.from(hex, "hex") : undefined;
}

function formatUuid(b: Buffer): string {
  const h = b.toString("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/**
 * Random bytes for ids, drawn from a pool refilled 4 KiB at a time: one getrandom call per 256 ids instead of one
 * per id (a system call cost more than the rest of issuing an id). The bytes are only ever used once.
 */
class RandomPool {
  readonly #pool = Buffer.alloc(4096);
  #offset = this.#pool.length;

  take16(): Buffer {
    if (this.#offset + UUID_BYTES > this.#pool.length) {
      randomFillSync(this.#pool);
      this.#offset = 0;
    }
    const out = this.#pool.subarray(this.#offset, this.#offset + UUID_BYTES);
    this.#offset += UUID_BYTES;
    return out;
  }
}

/** Issues and verifies owner-bound single-job ids. The secret is fetched on first use. */
export class JobIdSigner {
  #secret: Promise<KeyObject> | undefined;
  readonly #random = new RandomPool();

  constructor(private readonly loadSecret: () => Promise<Buffer>) {}

  #key(): Promise<KeyObject> {
    if (!this.#secret) {
      // A KeyObject, made once: HMAC with a raw Buffer key imports the key again on every call.
      this.#secret = this.loadSecret().then((raw) => createSecretKey(raw));
      this.#secret.catch(() => (this.#secret = undefined)); // retry on the next request
    }
    return this.#secret;
  }

  #mac(secret: KeyObject, head: Buffer, owner: string): Buffer {
    return createHmac("sha256", secret).update(head).update("\0").update(owner, "utf8").digest().subarray(0, MAC_BYTES);
  }

  /** A new job id for `owner` (`j_` + UUIDv7 whose last 40 random bits are the MAC). */
  async issue(owner: string): Promise<string> {
    const secret = await this.#key();
    const bytes = uuidv7({ random: this.#random.take16() }, Buffer.alloc(UUID_BYTES)) as Buffer;
    const head = bytes.subarray(0, UUID_BYTES - MAC_BYTES);
    this.#mac(secret, head, owner).copy(bytes, UUID_BYTES - MAC_BYTES);
    return `j_${formatUuid(bytes)}`;
  }

  /** True when `jobId` was issued by this deployment to `owner`. */
  async verify(jobId: string, owner: string): Promise<boolean> {
    if (!jobId.startsWith("j_")) return false;
    const bytes = uuidBytes(jobId.slice(2));
    if (!bytes) return false;
    const secret = await this.#key();
    const expected = this.#mac(secret, bytes.subarray(0, UUID_BYTES - MAC_BYTES), owner);
    return timingSafeEqual(expected, bytes.subarray(UUID_BYTES - MAC_BYTES));
  }
}
