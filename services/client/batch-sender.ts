// Sending a batch's items to POST /v1/batches: calls of at most the per-call items and bytes, and resending the items
// that a call could enqueue only in part (the API's partial_enqueue answer says which seqs reached the queue).
import { LeanFleetError } from "../core/index.js";
import { LeanFleetApiError, type HttpTransport } from "./http.js";

/** What a batch submission did: the batch, and the seq each input item got. */
export interface BatchSubmission {
  batchId: string;
  /** `seqs[i]` is the seq (job id `<batchId>.<seq>`) of input item i. */
  seqs: number[];
  accepted: number;
}

/** Options of a batch submission. */
export interface SubmitBatchOptions {
  fleet?: string;
  earlyStop?: boolean;
  /** Trust level of the items that name none (the batch's `?verify=`). */
  verify?: "fast" | "strict";
  batchId?: string;
  onProgress?: (sent: number) => void;
  signal?: AbortSignal;
}

/** The details of a partial_enqueue answer: the batch, the first seq of the call, and the seq ranges sent. */
interface PartialDetails {
  batchId?: string;
  firstSeq?: number;
  sent?: { from: number; to: number }[];
}

/** One batch submission: sends the items' JSON lines in calls, in rounds until every item has a seq. */
export class BatchSender {
  readonly #seqs: number[];
  #batchId: string | undefined;
  #sent = 0;

  constructor(
    private readonly http: HttpTransport,
    private readonly lines: readonly string[],
    /** Items and bytes per call, and how often a partially enqueued call is resent (the client's defaults). */
    private readonly limits: { items: number; bytes: number; partialRetries: number },
    private readonly options: SubmitBatchOptions,
  ) {
    this.#seqs = new Array<number>(lines.length).fill(-1);
    this.#batchId = options.batchId;
  }

  /** Send every line; throws partial_enqueue when some are still not enqueued after the allowed rounds. */
  async send(): Promise<BatchSubmission> {
    let pending = this.lines.map((_, i) => i);
    for (let round = 0; pending.length > 0; round++) {
      if (round > this.limits.partialRetries) {
        throw new LeanFleetError(
          "partial_enqueue",
          `${pending.length} items could not be enqueued after ${round} attempts; resubmit them with batchId ${this.#batchId}`,
          { batchId: this.#batchId },
        );
      }
      const failed: number[] = [];
      for (const chunk of chunksOf(pending, this.lines, this.limits)) failed.push(...(await this.#sendChunk(chunk)));
      pending = failed;
    }
    return { batchId: this.#batchId!, seqs: this.#seqs, accepted: this.lines.length };
  }

  /** Send one call's items; returns those it did not enqueue. */
  async #sendChunk(chunk: number[]): Promise<number[]> {
    const { options } = this;
    const body = chunk.map((i) => this.lines[i]).join("\n") + "\n";
    let answer: { batchId: string; firstSeq: number };
    try {
      ({ body: answer } = await this.http.json<{ batchId: string; firstSeq: number }>({
        method: "POST",
        path: "/v1/batches",
        // verify is a per-call default of the items that name none, so every call carries it.
        query:
          this.#batchId === undefined
            ? { fleet: options.fleet, earlyStop: options.earlyStop, verify: options.verify }
            : { batchId: this.#batchId, verify: options.verify },
        body,
        contentType: "application/x-ndjson",
        retryable: (_status, code) => code !== "partial_enqueue",
        ...(options.signal ? { signal: options.signal } : {}),
      }));
    } catch (err) {
      if (!(err instanceof LeanFleetApiError) || err.code !== "partial_enqueue") throw err;
      return this.#recordPartial(chunk, (err.body?.details ?? {}) as PartialDetails);
    }
    this.#batchId ??= answer.batchId;
    chunk.forEach((itemIndex, k) => (this.#seqs[itemIndex] = answer.firstSeq + k));
    this.#sent += chunk.length;
    options.onProgress?.(this.#sent);
    return [];
  }

  /** Record the seqs of a partly enqueued call's items that were sent; returns the others. */
  #recordPartial(chunk: number[], d: PartialDetails): number[] {
    const failed: number[] = [];
    this.#batchId ??= d.batchId;
    const first = d.firstSeq ?? 0;
    chunk.forEach((itemIndex, k) => {
      const seq = first + k;
      if ((d.sent ?? []).some((r) => seq >= r.from && seq <= r.to)) {
        this.#seqs[itemIndex] = seq;
        this.#sent++;
      } else failed.push(itemIndex);
    });
    this.options.onProgress?.(this.#sent);
    return failed;
  }
}

/** Consecutive runs of `indices` whose lines fit one call (item count and bytes, a newline each). */
function* chunksOf(
  indices: number[],
  lines: readonly string[],
  max: { items: number; bytes: number },
): Generator<number[]> {
  let chunk: number[] = [];
  let bytes = 0;
  for (const i of indices) {
    const size = Buffer.byteLength(lines[i]!) + 1;
    if (chunk.length > 0 && (chunk.length === max.items || bytes + size > max.bytes)) {
      yield chunk;
      chunk = [];
      bytes = 0;
    }
    chunk.push(i);
    bytes += size;
  }
  if (chunk.length > 0) yield chunk;
}
