// Coalesces single-message sends into SendMessageBatch calls (up to 10 bodies) by group commit: at most
// `maxInFlight` calls run at once, and bodies arriving meanwhile wait for the next call. Under load a job costs a
// fraction of an SQS call (the AWS SDK's per-call CPU dominates the enqueue path); a lone request waits only until
// the next turn of the event loop.
import type { JobQueue } from "../../services/worker/ports.js";

/** Bodies per batch call (the SQS limit). */
const MAX_BATCH = 10;

/** Defaults of the coalescer. */
export const SEND_COALESCER_DEFAULTS = {
  /** Batch calls in flight at once per queue; more bodies wait and ride on the next call. @default 4 */
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
  /** Calls made and bodies sent (for benchmarks and tests). */
  readonly stats = { calls: 0, bodies: 0 };

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
    while (this.#pending.length > 0 && this.#inFlight < this.maxInFlight) {
      const batch = this.#pending.splice(0, MAX_BATCH);
      this.#inFlight++;
      this.stats.calls++;
      this.stats.bodies += batch.length;
      const call = batch.length === 1 ? this.queue.send(batch[0]!.body).then((id) => [id]) : this.queue.sendMany(batch.map((p) => p.body));
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
