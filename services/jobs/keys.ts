// Object keys and ids, derived in one place so that API, worker and CLI agree (and writes are idempotent).
import { v7 as uuidv7 } from "uuid";

/** A new single-job id (time-ordered UUIDv7): `j_…`. */
export function newJobId(): string {
  return `j_${uuidv7()}`;
}

/** A new batch id: `b_…`. */
export function newBatchId(): string {
  return `b_${uuidv7()}`;
}

/** The id of item `seq` of a batch: `<batchId>.<seq, zero-padded>` so results list in submission order. */
export function batchJobId(batchId: string, seq: number): string {
  return `${batchId}.${String(seq).padStart(9, "0")}`;
}

/** The batch a job id belongs to, if any. */
export function batchOfJob(jobId: string): string | undefined {
  const dot = jobId.indexOf(".");
  return dot === -1 ? undefined : jobId.slice(0, dot);
}

/** Where a job's result is stored; batch items sit under their batch's prefix so they can be listed in order. */
export function resultKey(jobId: string): string {
  const batch = batchOfJob(jobId);
  return batch ? `results/${batch}/${jobId.slice(batch.length + 1)}.json` : `results/single/${jobId}.json`;
}

/** Prefix under which all results of a batch are stored. */
export function batchResultsPrefix(batchId: string): string {
  return `results/${batchId}/`;
}

/** Where a large job's full body is stored (claim check). */
export function inputKey(jobId: string): string {
  return `inputs/${jobId}.json`;
}

/** Marker written when a group of an early-stop batch has a valid item. */
export function groupValidKey(batchId: string, group: string): string {
  return `batches/${batchId}/valid/${encodeURIComponent(group)}`;
}

/** A batch's manifest (fleet, totals, options). */
export function batchManifestKey(batchId: string): string {
  return `batches/${batchId}/manifest.json`;
}

/** Marker that a job is running (for `GET /v1/jobs/:id` state). */
export function runningKey(jobId: string): string {
  return `running/${jobId}`;
}

/** Prefix of a fleet's dead-letter records (one per message that reached its dead-letter queue). */
export function deadLetterPrefix(fleet: string): string {
  return `dead-letter/${fleet}/`;
}

/** The record of one dead-lettered message (keyed by its queue message id, so settling it twice writes it once). */
export function deadLetterKey(fleet: string, messageId: string): string {
  return `${deadLetterPrefix(fleet)}${encodeURIComponent(messageId)}.json`;
}
