// Single-job ids that prove they were issued to their owner: a UUIDv7 (the shared `j_…` format) whose last 40 bits
// are a MAC of the rest under a key of the owner (see IdTags). GET /v1/jobs/:id then tells "accepted" from "never
// accepted" without writing a marker per job (which would cost an S3 PUT on the enqueue path), and hides jobs of other
// keys. The secret lives in the bucket (config/id-secret), created once, so ids stay valid across API instances and
// restarts.
import {
  createCipheriv,
  createHmac,
  createSecretKey,
  randomBytes,
  randomFillSync,
  timingSafeEqual,
  type KeyObject,
} from "node:crypto";
import { v7 as uuidv7 } from "uuid";
import { InternalError, type ObjectStore } from "../../services/core/index.js";

/** Key of the id-signing secret in the object store (must not expire: ids issued under it stop verifying). */
export const ID_SECRET_KEY = "config/id-secret";

/** Read the id-signing secret from the store, creating it (conditional put, first writer wins) when absent. */
export async function loadIdSecret(store: ObjectStore): Promise<Buffer> {
  const existing = await store.get(ID_SECRET_KEY);
  if (existing !== undefined && /^[0-9a-f]{64}$/.test(existing.trim())) return Buffer.from(existing.trim(), "hex");
  await store.put(ID_SECRET_KEY, randomBytes(32).toString("hex"), { ifAbsent: true, contentType: "text/plain" });
  const winner = (await store.get(ID_SECRET_KEY))?.trim() ?? "";
  if (!/^[0-9a-f]{64}$/.test(winner))
    // Only this function writes the secret, always 64 hex digits: anything else is a broken invariant, answered as a
    // plain 500 (the message, naming the bucket's key, is logged, not sent).
    throw new InternalError(`${ID_SECRET_KEY} in the bucket is not 64 hex digits; delete it to have a new one created`);
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
 * The 40-bit tags of ids. An id's tag is AES-256 of its first 11 bytes, zero-padded to one block, under a key derived
 * for its owner (HMAC-SHA256 of the secret over a label and the owner), truncated to 5 bytes. AES on one block is a
 * pseudo-random function, so its truncated output is a MAC for these fixed-length inputs; and ECB encrypts a whole
 * block of ids in one cipher call: ~0.15 us per id in a loop, where an HMAC per id (two SHA-256 calls) cost ~7 us in
 * the loaded API (bench/api).
 */
class IdTags {
  readonly #ownerKeys = new Map<string, KeyObject>();

  constructor(private readonly secret: KeyObject) {}

  #ownerKey(owner: string): KeyObject {
    let key = this.#ownerKeys.get(owner);
    if (key === undefined) {
      key = createSecretKey(createHmac("sha256", this.secret).update(OWNER_KEY_LABEL).update(owner, "utf8").digest());
      this.#ownerKeys.set(owner, key); // one per API key id: bounded by the configured keys
    }
    return key;
  }

  /** AES-256-ECB of `blocks` (whole 16-byte blocks, each an id's head then zeros) under `owner`'s key. */
  encrypt(owner: string, blocks: Buffer): Buffer {
    const cipher = createCipheriv("aes-256-ecb", this.#ownerKey(owner), null).setAutoPadding(false);
    return Buffer.concat([cipher.update(blocks), cipher.final()]);
  }
}

/** Label of the owner keys' derivation. */
const OWNER_KEY_LABEL = "leanfleet job-id tag key v2\0";

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
 * Ids are signed ahead in blocks per owner: one cipher call tags a whole block (see {@link IdTags}); signing one id
 * per request with an HMAC cost 15-17 us in the loaded API (bench/api: each request's work runs on cold caches). A
 * block's size doubles while blocks are used up within `blockMaxAgeMs`, up to `maxBlockIds`, and falls back to what
 * was used when one expires, so a lone request signs about one id and a busy key ~32 at a time. Unused ids are
 * dropped, never issued later.
 */
export class JobIdSigner {
  #secret: Promise<IdTags> | undefined;
  /** The tagger once the secret is loaded (issuing then needs no await). */
  #tags: IdTags | undefined;
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

  #key(): Promise<IdTags> {
    if (!this.#secret) {
      this.#secret = this.loadSecret().then((raw) => (this.#tags = new IdTags(createSecretKey(raw))));
      this.#secret.catch(() => (this.#secret = undefined)); // retry on the next request
    }
    return this.#secret;
  }

  /** A new job id for `owner` (`j_` + UUIDv7 whose last 40 random bits are the MAC). */
  issue(owner: string): Promise<string> | string {
    // Synchronous once the secret is loaded: the enqueue path awaits it, and a promise per id showed in its profile.
    return this.#tags !== undefined
      ? this.#issue(this.#tags, owner)
      : this.#key().then((tags) => this.#issue(tags, owner));
  }

  #issue(tags: IdTags, owner: string): string {
    const now = this.#now();
    const block = this.#blocks.get(owner);
    if (block !== undefined && block.next < block.ids.length && now - block.madeMs <= this.#blockMaxAgeMs)
      return block.ids[block.next++]!;
    const size =
      block === undefined
        ? 1
        : block.next >= block.ids.length
          ? Math.min(this.#maxBlockIds, block.ids.length * 2)
          : Math.max(1, block.next);
    const bytes = Buffer.alloc(size * UUID_BYTES);
    for (let i = 0; i < size; i++) {
      const at = i * UUID_BYTES;
      uuidv7({ random: this.#random.take16(), msecs: now }, bytes, at);
      bytes.fill(0, at + UUID_BYTES - MAC_BYTES, at + UUID_BYTES); // the block AES tags: the head, then zeros
    }
    const sealed = tags.encrypt(owner, bytes);
    const ids: string[] = [];
    for (let i = 0; i < size; i++) {
      const at = i * UUID_BYTES;
      sealed.copy(bytes, at + UUID_BYTES - MAC_BYTES, at, at + MAC_BYTES);
      ids.push(`j_${formatUuid(bytes.subarray(at, at + UUID_BYTES))}`);
    }
    this.#blocks.set(owner, { ids, next: 1, madeMs: now });
    return ids[0]!;
  }

  /** True when `jobId` was issued by this deployment to `owner`. */
  async verify(jobId: string, owner: string): Promise<boolean> {
    if (!jobId.startsWith("j_")) return false;
    const bytes = uuidBytes(jobId.slice(2));
    if (!bytes) return false;
    const tags = await this.#key();
    const head = bytes.subarray(0, UUID_BYTES - MAC_BYTES);
    const given = bytes.subarray(UUID_BYTES - MAC_BYTES);
    const block = Buffer.alloc(UUID_BYTES);
    head.copy(block);
    return timingSafeEqual(tags.encrypt(owner, block).subarray(0, MAC_BYTES), given);
  }
}
