// Async iteration over a batch's results (JSON Lines pages), resumable: the cursor advances per yielded result, so
// a consumer that stops (or a connection that breaks) resumes exactly where it left off.
import { ResultCursor, seqOfJob } from "../batches/index.js";
import type { JobResult } from "../jobs/index.js";
import type { HttpTransport } from "./http.js";

/** Options of a results stream. */
export interface ResultStreamOptions {
  /** Resume from this cursor (from an earlier stream's `cursor`). @default - the start */
  cursor?: string;
  /** Keep waiting for new results until the batch is complete. @default true */
  follow?: boolean;
  /** Server-side long-poll per request while following, in seconds. @default 10 */
  waitSeconds?: number;
  /** Results per page. @default - the server's maximum (1000) */
  pageSize?: number;
  signal?: AbortSignal;
  /** Called with each result before it is yielded (e.g. to record handles). */
  onResult?: (r: JobResult) => void;
}

/** A resumable stream of one batch's results. */
export class ResultStream implements AsyncIterable<JobResult> {
  #cursor: ResultCursor;
  #complete = false;

  constructor(
    private readonly http: HttpTransport,
    private readonly batchId: string,
    private readonly options: ResultStreamOptions = {},
  ) {
    this.#cursor = ResultCursor.parse(options.cursor);
  }

  /** Cursor covering every result yielded so far; pass it as `cursor` to resume. */
  get cursor(): string {
    return this.#cursor.toString();
  }

  /** True once the server reported every accepted item delivered. */
  get complete(): boolean {
    return this.#complete;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<JobResult> {
    const follow = this.options.follow ?? true;
    const wait = follow ? (this.options.waitSeconds ?? 10) : 0;
    while (!this.#complete) {
      const res = await this.http.send({
        method: "GET",
        path: `/v1/batches/${encodeURIComponent(this.batchId)}/results`,
        query: {
          cursor: this.cursor === "-1" ? undefined : this.cursor,
          limit: this.options.pageSize,
          wait: wait > 0 ? wait : undefined,
        },
        serverWaitMs: wait * 1000,
        ...(this.options.signal ? { signal: this.options.signal } : {}),
      });
      const text = await res.text();
      const serverCursor = ResultCursor.parse(res.headers.get("leanfleet-cursor") ?? undefined);
      const complete = res.headers.get("leanfleet-complete") === "true";
      const more = res.headers.get("leanfleet-more") === "true";
      for (const line of text.split("\n")) {
        if (line.trim() === "") continue;
        const result = JSON.parse(line) as JobResult;
        const seq = seqOfJob(result.jobId);
        if (seq !== undefined) {
          if (this.#cursor.has(seq)) continue;
          this.#cursor.add(seq);
        }
        this.options.onResult?.(result);
        yield result;
      }
      // The server's cursor also covers items that will never have a result (never enqueued).
      for (const r of serverCursor.ranges) this.#cursor.addRange(r.from, r.to);
      this.#cursor.addRange(0, serverCursor.watermark);
      this.#complete = complete;
      if (!follow && !more) return;
    }
  }
}
