// Keeps the lease of every running job alive: extends its visibility every third of the lease, and declares the
// lease lost (aborting the job) when an extension is refused or when transient failures leave no time before expiry.
import { LeaseLostError } from "../core/index.js";
import type { JobQueue } from "../core/index.js";

/** Options of {@link Heartbeat}. */
export interface HeartbeatOptions {
  queue: JobQueue;
  /** Lease length; each extension sets the message invisible for this long from now. */
  visibilitySeconds: number;
  /** Called on each failed extension (logging). */
  onError?: (err: unknown, receipt: string) => void;
  /** Clock. @default Date.now */
  now?: () => number;
}

/** The lease of one running message. */
export interface Lease {
  /** Aborted (with a {@link LeaseLostError} reason) when the lease is lost. */
  readonly signal: AbortSignal;
  /** Stop extending (the job ended: acked, released or left for redelivery). Idempotent. */
  stop(): void;
}

/**
 * One timer per leased message. An extension is attempted every `visibility / 3`; a refused extension
 * (LeaseLostError: the receipt is stale) loses the lease at once; a transient failure is retried at the next tick
 * if that tick still comes before the lease expires, otherwise the lease is declared lost before it expires, so a
 * job never keeps running after another worker may have received its message.
 */
export class Heartbeat {
  readonly #queue: JobQueue;
  readonly #visibilitySeconds: number;
  readonly #intervalMs: number;
  readonly #onError: (err: unknown, receipt: string) => void;
  readonly #now: () => number;
  readonly #leases = new Set<() => void>();

  constructor(options: HeartbeatOptions) {
    this.#queue = options.queue;
    this.#visibilitySeconds = options.visibilitySeconds;
    this.#intervalMs = Math.max(100, Math.floor((options.visibilitySeconds * 1000) / 3));
    this.#onError = options.onError ?? (() => undefined);
    this.#now = options.now ?? Date.now;
  }

  /** Leases currently kept alive. */
  get size(): number {
    return this.#leases.size;
  }

  /** Start keeping `receipt` alive; `leasedAtMs` is when it was received (its lease started then). */
  track(receipt: string, leasedAtMs = this.#now()): Lease {
    const controller = new AbortController();
    let expiresAt = leasedAtMs + this.#visibilitySeconds * 1000;
    let timer: NodeJS.Timeout | undefined;
    let stopped = false;
    const stop = () => {
      if (stopped) return;
      stopped = true;
      clearTimeout(timer);
      this.#leases.delete(stop);
    };
    const lose = (err: LeaseLostError) => {
      if (stopped) return;
      stop();
      controller.abort(err);
    };
    const schedule = () => {
      if (stopped) return;
      const delay = Math.max(0, Math.min(this.#intervalMs, expiresAt - this.#now() - this.#intervalMs));
      timer = setTimeout(tick, delay);
      timer.unref?.();
    };
    const tick = async () => {
      if (stopped) return;
      const attemptAt = this.#now();
      try {
        await this.#queue.extendLease(receipt, this.#visibilitySeconds);
        expiresAt = attemptAt + this.#visibilitySeconds * 1000;
      } catch (err) {
        this.#onError(err, receipt);
        if (err instanceof LeaseLostError) return lose(err);
        // Transient: another try fits only if it can finish before the lease runs out.
        if (this.#now() + this.#intervalMs >= expiresAt) {
          return lose(
            new LeaseLostError(
              receipt,
              `extensions kept failing and the lease would expire: ${(err as Error).message}`,
            ),
          );
        }
        timer = setTimeout(tick, this.#intervalMs);
        timer.unref?.();
        return;
      }
      schedule();
    };
    this.#leases.add(stop);
    schedule();
    return { signal: controller.signal, stop };
  }

  /** Stop every lease (shutdown). */
  stopAll(): void {
    // Each stop removes only itself from the set, which a Set iteration allows.
    for (const stop of this.#leases) stop();
  }
}
