// Single-job ids that prove they were issued to their owner: a UUIDv7 (the shared `j_…` format) whose last 40 bits
// are an HMAC of the rest and of the owner's key id. GET /v1/jobs/:id then tells "accepted" from "never accepted"
// without writing a marker per job (which would cost an S3 PUT on the enqueue path), and hides jobs of other keys.
// The secret lives in the bucket (config/id-secret), created once, so ids stay valid across API instances and restarts.
import { hash, randomBytes, randomFillSync, timingSafeEqual } from "node:crypto";
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
 * HMAC-SHA256 (RFC 2104: H(K ^ opad || H(K ^ ipad || m))) of `head || 0x00 || owner`, on `crypto.hash` one-shots over
 * buffers holding the key's pads. `createHmac` builds a native object per call, which cost about twice as much in the
 * loaded API; the output is the same (test/api/job-ids.test.ts checks it against createHmac).
 */
class IdMac {
  #inner: Buffer;
  readonly #outer = Buffer.alloc(64 + 32);

  constructor(key: Buffer) {
    const k = key.length > 64 ? hash("sha256", key, "buffer") : key;
    this.#inner = Buffer.alloc(64 + 256, 0x36);
    this.#outer.fill(0x5c, 0, 64);
    for (let i = 0; i < k.length; i++) {
      this.#inner[i]! ^= k[i]!;
      this.#outer[i]! ^= k[i]!;
    }
  }

  /** The first `bytes` bytes of the MAC. */
  of(head: Buffer, owner: string, bytes: number): Buffer {
    const need = 64 + head.length + 1 + Buffer.byteLength(owner, "utf8");
    if (need > this.#inner.length) {
      const grown = Buffer.alloc(need * 2);
      this.#inner.copy(grown, 0, 0, 64);
      this.#inner = grown;
    }
    head.copy(this.#inner, 64);
    this.#inner[64 + head.length] = 0;
    const end = 64 + head.length + 1 + this.#inner.write(owner, 64 + head.length + 1, "utf8");
    hash("sha256", this.#inner.subarray(0, end), "buffer").copy(this.#outer, 64);
    return hash("sha256", this.#outer, "buffer").subarray(0, bytes);
  }
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

/** Defaults of {@link JobIdSigner}. */
export const JOB_ID_DEFAULTS = {
  /** Most ids one owner gets signed ahead in one go (see {@link JobIdSigner}). @default 32 */
  maxBlockIds: 32,
  /** Longest an id signed ahead waits to be issued; its UUIDv7 time is when it was signed, so it is at most this old. @default 50 */
  blockMaxAgeMs: 50,
} as const;

/** Ids signed ahead for one owner. */
interface Block {
  ids: string[];
  next: number;
  madeMs: number;
}

/**
 * Issues and verifies owner-bound single-job ids. The secret is fetched on first use.
 *
 * Ids are signed ahead in blocks per owner. Signing one id per request cost 15-17 us in the loaded API (bench/api:
 * each request's work runs on cold caches; ~5 us in a tight loop), signing them in blocks ~7 us each. A block's size
 * doubles while blocks are used up within `blockMaxAgeMs`, up to `maxBlockIds`, and falls back to what was used when
 * one expires, so a lone request signs about one id and a busy key ~32 at a time. Unused ids are dropped, never
 * issued later.
 */
export class JobIdSigner {
  #secret: Promise<IdMac> | undefined;
  /** The MAC once the secret is loaded (issuing then needs no await). */
  #mac: IdMac | undefined;
  readonly #random = new RandomPool();
  readonly #blocks = new Map<string, Block>();
  readonly #maxBlockIds: number;
  readonly #blockMaxAgeMs: number;
  readonly #now: () => number;

  constructor(
    private readonly loadSecret: () => Promise<Buffer>,
    options: { maxBlockIds?: number; blockMaxAgeMs?: number; now?: () => number } = {},
  ) {
    this.#maxBlockIds = options.maxBlockIds ?? JOB_ID_DEFAULTS.maxBlockIds;
    this.#blockMaxAgeMs = options.blockMaxAgeMs ?? JOB_ID_DEFAULTS.blockMaxAgeMs;
    this.#now = options.now ?? Date.now;
  }

  #key(): Promise<IdMac> {
    if (!this.#secret) {
      this.#secret = this.loadSecret().then((raw) => (this.#mac = new IdMac(raw)));
      this.#secret.catch(() => (this.#secret = undefined)); // retry on the next request
    }
    return this.#secret;
  }

  /** A new job id for `owner` (`j_` + UUIDv7 whose last 40 random bits are the MAC). */
  issue(owner: string): Promise<string> | string {
    // Synchronous once the secret is loaded: the enqueue path awaits it, and a promise per id showed in its profile.
    return this.#mac !== undefined ? this.#issue(this.#mac, owner) : this.#key().then((mac) => this.#issue(mac, owner));
  }

  #issue(mac: IdMac, owner: string): string {
    const now = this.#now();
    const block = this.#blocks.get(owner);
    if (block !== undefined && block.next < block.ids.length && now - block.madeMs <= this.#blockMaxAgeMs) return block.ids[block.next++]!;
    const size = block === undefined ? 1 : block.next >= block.ids.length ? Math.min(this.#maxBlockIds, block.ids.length * 2) : Math.max(1, block.next);
    const ids: string[] = [];
    for (let i = 0; i < size; i++) {
      const bytes = uuidv7({ random: this.#random.take16(), msecs: now }, Buffer.alloc(UUID_BYTES)) as Buffer;
      mac.of(bytes.subarray(0, UUID_BYTES - MAC_BYTES), owner, MAC_BYTES).copy(bytes, UUID_BYTES - MAC_BYTES);
      ids.push(`j_${formatUuid(bytes)}`);
    }
    this.#blocks.set(owner, { ids, next: 1, madeMs: now });
    return ids[0]!;
  }

  /** True when `jobId` was issued by this deployment to `owner`. */
  async verify(jobId: string, owner: string): Promise<boolean> {
    if (!jobId.startsWith("j_")) return false;
    const bytes = uuidBytes(jobId.slice(2));
    if (!bytes) return false;
    const mac = await this.#key();
    const expected = mac.of(bytes.subarray(0, UUID_BYTES - MAC_BYTES), owner, MAC_BYTES);
    return timingSafeEqual(expected, bytes.subarray(UUID_BYTES - MAC_BYTES));
  }
}
