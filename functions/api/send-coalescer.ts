// Coalesces single-message sends into SendMessageBatch calls (up to 10 bodies) by group commit. A full batch of 10
// goes out while fewer than `maxInFlight` calls run; a partial batch goes out only when no call is running, so bodies
// arriving while a call is on the wire gather into the next one. Under load a job then costs a tenth of an SQS call
// (the per-call CPU dominates the enqueue path: signing, HTTP, and the queue server's own work per call); a lone
// request waits only until the next turn of the event loop.
import type { JobQueue } from "../../services/core/index.js";

/** Bodies per batch call (the SQS limit). */
const MAX_BATCH = 10;

/** Defaults of the coalescer. */
export const SEND_COALESCER_DEFAULTS = {
  /** Batch calls in flight at once per queue when batches are full; partial batches wait while any call runs. @default 4 */
  maxInFlight: 4,
} as const;

interface Pending {
  body: string;
  resolve: (id: string) => void;
  reject: (err: unknown) => void;
}

/** Wraps a queue's `send` with coalescing. */
export class SendCoalescer {
  #pending: Pending[] = [];
  #scheduled = false;
  #inFlight = 0;

  constructor(
    private readonly queue: JobQueue,
    private readonly maxInFlight: number = SEND_COALESCER_DEFAULTS.maxInFlight,
  ) {}

  /** Enqueue one body; resolves with its message id once its batch call succeeded. */
  send(body: string): Promise<string> {
    return new Promise<string>((resolve, reject) => {
      this.#pending.push({ body, resolve, reject });
      if (!this.#scheduled) {
        this.#scheduled = true;
        setImmediate(() => {
          this.#scheduled = false;
          this.#flush();
        });
      }
    });
  }

  #flush(): void {
    while (
      this.#pending.length > 0 &&
      this.#inFlight < this.maxInFlight &&
      (this.#inFlight === 0 || this.#pending.length >= MAX_BATCH)
    ) {
      const batch = this.#pending.splice(0, MAX_BATCH);
      this.#inFlight++;
      const call =
        batch.length === 1
          ? this.queue.send(batch[0]!.body).then((id) => [id])
          : this.queue.sendMany(batch.map((p) => p.body));
      // A failed batch call fails each of its requests (some bodies may have been sent: delivery is at least once).
      call
        .then(
          (ids) => batch.forEach((p, i) => p.resolve(ids[i] ?? "")),
          (err: unknown) => batch.forEach((p) => p.reject(err)),
        )
        .finally(() => {
          this.#inFlight--;
          this.#flush();
        });
    }
  }
}
