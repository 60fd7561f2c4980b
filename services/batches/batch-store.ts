// Batch bookkeeping in the object store: a manifest written once (fleet, options, owner) and one "part" object per
// submission call, so that appending calls get disjoint sequence numbers without a database (conditional puts).
import { z } from "zod";
import { batchManifestKey, batchOfJob, FORMAT_VERSION } from "../jobs/index.js";
import { InternalError, type ObjectStore } from "../core/index.js";
import type { SeqRange } from "./result-cursor.js";

/** Defaults of the batch store. */
export const BATCH_STORE_DEFAULTS = {
  /** Attempts to claim the next part number when concurrent appends race. @default 8 */
  reserveAttempts: 8,
  /**
   * Part records older than this are reused from memory instead of read again (a part changes only when the call that
   * wrote it fails part-way, within that call). @default 120000
   */
  partSettledMs: 120_000,
  /** Part records kept in memory. @default 100000 */
  cachedParts: 100_000,
} as const;

/** Owner of batches that every API key may read (nightly runs); no key may append to them. */
export const SHARED_BATCH_OWNER = "nightly";

/** A batch's manifest: written once when the batch is created. */
export const batchManifestSchema = z.looseObject({
  v: z.literal(FORMAT_VERSION),
  batchId: z.string(),
  fleet: z.string(),
  earlyStop: z.boolean(),
  createdAt: z.string(),
  /**
   * Id of the API key that created the batch (`anonymous` without keys); only it may append or read. Batches owned
   * by {@link SHARED_BATCH_OWNER} (nightly runs) may be read by every key and appended by none.
   */
  owner: z.string(),
  /** Set by writers that enqueue a whole batch in one go (e.g. nightly runs) instead of writing parts. */
  total: z.number().int().nonnegative().optional(),
});
/** A batch's manifest. */
export type BatchManifest = z.infer<typeof batchManifestSchema>;

/** One submission call's share of a batch: items `start .. start+count-1`. */
export const batchPartSchema = z.looseObject({
  v: z.literal(FORMAT_VERSION),
  part: z.number().int().nonnegative(),
  start: z.number().int().nonnegative(),
  count: z.number().int().nonnegative(),
  at: z.string(),
  /** Present when enqueueing this part failed part-way: the seq ranges that were enqueued (the rest never were). */
  sent: z.array(z.object({ from: z.number().int().nonnegative(), to: z.number().int().nonnegative() })).optional(),
});
/** A batch part record. */
export type BatchPart = z.infer<typeof batchPartSchema>;

/** Prefix of a batch's part records. */
export function batchPartsPrefix(batchId: string): string {
  return `batches/${batchId}/parts/`;
}

/** Key of part `part` of a batch (zero-padded so that listing returns parts in order). */
export function batchPartKey(batchId: string, part: number): string {
  return `${batchPartsPrefix(batchId)}${String(part).padStart(6, "0")}.json`;
}

/** Sequence number of a batch job id (`<batchId>.<seq>`), or undefined for a single job id. */
export function seqOfJob(jobId: string): number | undefined {
  const batch = batchOfJob(jobId);
  if (batch === undefined) return undefined;
  const n = Number(jobId.slice(batch.length + 1));
  return Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

/** Reads and writes batch manifests and parts. */
export class BatchStore {
  /** Reservations in flight per batch in this process: S3-compatible local servers (fauxqs) ignore conditional puts. */
  readonly #locks = new Map<string, Promise<unknown>>();
  /** Settled part records by key (see partSettledMs), so polls of big batches do not read every part again. */
  readonly #settled = new Map<string, BatchPart>();

  constructor(
    private readonly store: ObjectStore,
    private readonly now: () => number = Date.now,
  ) {}

  /** Write a new batch's manifest; false when a batch with this id already exists. */
  async create(manifest: BatchManifest): Promise<boolean> {
    return this.store.put(batchManifestKey(manifest.batchId), JSON.stringify(manifest), {
      ifAbsent: true,
      contentType: "application/json",
    });
  }

  /** A batch's manifest, or undefined when there is no such batch. */
  async manifest(batchId: string): Promise<BatchManifest | undefined> {
    const text = await this.store.get(batchManifestKey(batchId));
    if (text === undefined) return undefined;
    return batchManifestSchema.parse(JSON.parse(text));
  }

  /** Every part record of a batch, in part order. */
  async parts(batchId: string): Promise<BatchPart[]> {
    const out: BatchPart[] = [];
    let startAfter: string | undefined;
    for (;;) {
      const page = await this.store.list(batchPartsPrefix(batchId), startAfter === undefined ? {} : { startAfter });
      const parts = await Promise.all(
        page.keys.map(async (k) => {
          const cached = this.#settled.get(k);
          if (cached) return cached;
          const t = await this.store.get(k);
          if (t === undefined) return undefined;
          const part = batchPartSchema.parse(JSON.parse(t));
          if (this.now() - Date.parse(part.at) > BATCH_STORE_DEFAULTS.partSettledMs) {
            if (this.#settled.size >= BATCH_STORE_DEFAULTS.cachedParts) this.#settled.clear();
            this.#settled.set(k, part);
          }
          return part;
        }),
      );
      for (const p of parts) if (p) out.push(p);
      if (page.next === undefined) break;
      startAfter = page.next;
    }
    return out.sort((a, b) => a.part - b.part);
  }

  /** Which items a batch holds so far: its seq span, the accepted count and the never-enqueued holes. */
  async extent(batchId: string, manifest?: BatchManifest): Promise<BatchExtent> {
    const m = manifest ?? (await this.manifest(batchId));
    if (m === undefined) return { span: 0, total: 0, holes: [] };
    if (m.total !== undefined) return { span: m.total, total: m.total, holes: [] };
    return extentOf(await this.parts(batchId));
  }

  /**
   * Claim the next `count` sequence numbers of a batch: writes the next part record with a conditional put and
   * retries when a concurrent append took the same part number. Returns the part (its first seq is `start`).
   */
  async reserve(batchId: string, count: number, at: string): Promise<BatchPart> {
    // Serialise appends of one batch within this process (the conditional put still guards across processes).
    const prev = this.#locks.get(batchId) ?? Promise.resolve();
    const run = prev.then(
      () => this.#reserve(batchId, count, at),
      () => this.#reserve(batchId, count, at),
    );
    this.#locks.set(batchId, run);
    try {
      return await run;
    } finally {
      if (this.#locks.get(batchId) === run) this.#locks.delete(batchId);
    }
  }

  async #reserve(batchId: string, count: number, at: string): Promise<BatchPart> {
    for (let attempt = 0; attempt < BATCH_STORE_DEFAULTS.reserveAttempts; attempt++) {
      const parts = await this.parts(batchId);
      const last = parts[parts.length - 1];
      const next: BatchPart = {
        v: FORMAT_VERSION,
        part: last ? last.part + 1 : 0,
        start: last ? last.start + last.count : 0,
        count,
        at,
      };
      const claimed = await this.store.put(batchPartKey(batchId, next.part), JSON.stringify(next), {
        ifAbsent: true,
        contentType: "application/json",
      });
      if (claimed) return next;
    }
    throw new InternalError(
      `could not reserve sequence numbers for batch ${batchId} after ${BATCH_STORE_DEFAULTS.reserveAttempts} attempts (too many concurrent appends)`,
      { batchId, attempts: BATCH_STORE_DEFAULTS.reserveAttempts },
    );
  }

  /** Record that enqueueing a reserved part failed part-way and only the `sent` seq ranges reached the queue. */
  async truncate(batchId: string, part: BatchPart, sent: SeqRange[]): Promise<void> {
    await this.store.put(batchPartKey(batchId, part.part), JSON.stringify({ ...part, sent }), {
      contentType: "application/json",
    });
  }
}

/** The items of a batch: seqs `0..span-1` minus `holes` (never enqueued); `total` of them were accepted. */
export interface BatchExtent {
  span: number;
  total: number;
  holes: SeqRange[];
}

/** Compute a batch's extent from its part records. */
export function extentOf(parts: BatchPart[]): BatchExtent {
  let span = 0;
  let total = 0;
  const holes: SeqRange[] = [];
  for (const p of parts) {
    span = Math.max(span, p.start + p.count);
    if (p.sent === undefined) {
      total += p.count;
      continue;
    }
    let next = p.start;
    for (const r of [...p.sent].sort((a, b) => a.from - b.from)) {
      if (r.from > next) holes.push({ from: next, to: r.from - 1 });
      total += r.to - r.from + 1;
      next = r.to + 1;
    }
    if (next < p.start + p.count) holes.push({ from: next, to: p.start + p.count - 1 });
  }
  return { span, total, holes };
}
