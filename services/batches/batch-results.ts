// Reading a batch's stored results: listing them in seq order and fetching their bodies with bounded concurrency.
import { batchJobId, batchResultsPrefix, resultKey } from "../jobs/index.js";
import type { ObjectStore } from "../core/index.js";
import { mapLimit } from "./map-limit.js";

/** Defaults for reading results. */
export const BATCH_RESULTS_DEFAULTS = {
  /** Concurrent object reads. @default 16 */
  readConcurrency: 16,
} as const;

/** One stored result of a batch: its seq and key. */
export interface ResultRef {
  seq: number;
  key: string;
}

/** Seq of a batch result key (`results/<batch>/<seq>.json`), or undefined when the key is not one. */
export function seqOfResultKey(batchId: string, key: string): number | undefined {
  const prefix = batchResultsPrefix(batchId);
  if (!key.startsWith(prefix) || !key.endsWith(".json")) return undefined;
  const digits = key.slice(prefix.length, -5);
  return /^[0-9]{1,15}$/.test(digits) ? Number(digits) : undefined;
}

/**
 * List result keys of a batch in seq order, starting after seq `afterSeq` (-1: from the start), calling `visit` for
 * each; `visit` returns false to stop early.
 */
export async function listBatchResults(
  store: ObjectStore,
  batchId: string,
  afterSeq: number,
  visit: (ref: ResultRef) => boolean,
): Promise<void> {
  let startAfter = afterSeq >= 0 ? resultKey(batchJobId(batchId, afterSeq)) : undefined;
  for (;;) {
    const page = await store.list(batchResultsPrefix(batchId), startAfter === undefined ? {} : { startAfter });
    for (const key of page.keys) {
      const seq = seqOfResultKey(batchId, key);
      if (seq !== undefined && !visit({ seq, key })) return;
    }
    if (page.next === undefined || page.keys.length === 0) return;
    startAfter = page.next;
  }
}

/** Fetch result bodies (as stored text) in the order of `refs`; missing objects come back undefined. */
export async function readResultTexts(
  store: ObjectStore,
  refs: readonly ResultRef[],
  concurrency: number = BATCH_RESULTS_DEFAULTS.readConcurrency,
): Promise<(string | undefined)[]> {
  return mapLimit(refs, concurrency, (ref) => store.get(ref.key));
}
