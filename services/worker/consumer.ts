// The receive loop: asks the queue for as many messages as there are free REPLs (long polling) and hands each to
// the processor. Stopping never aborts a poll (fauxqs keeps the server-side waiter of an aborted long poll, which then
// takes the next message sent and holds it in flight until its visibility timeout): the current poll finishes and
// whatever it returns is released at once.
import type { Logger } from "pino";
import type { JobQueue, ReceivedMessage } from "../core/index.js";

/** Options of {@link Consumer}. */
export interface ConsumerOptions {
  queue: JobQueue;
  /** Jobs that may hold a REPL at once (the REPL count). */
  capacity: number;
  /** Long-poll wait of each receive. */
  waitSeconds: number;
  /**
   * Messages being processed at once, whether they hold a REPL or are writing their result: back-pressure when
   * result writes are slower than runs. @default - 4 x capacity
   */
  maxInFlight?: number;
  /**
   * Process a message; call `freeSlot` once it no longer needs a REPL; the returned promise settles when the
   * message is finished with. Must not reject.
   */
  handle: (msg: ReceivedMessage, receivedAtMs: number, freeSlot: () => void) => Promise<void>;
  logger: Logger;
  /** Backoff after a failed receive, doubling up to 16x. @default 500 */
  errorBackoffMs?: number;
  /** @default Date.now */
  now?: () => number;
}

/** The receive loop of one worker. */
export class Consumer {
  readonly #o: ConsumerOptions;
  readonly #now: () => number;
  #free: number;
  #inFlight = 0;
  readonly #maxInFlight: number;
  #stopping = false;
  #loop: Promise<void> | undefined;
  #wake: (() => void) | undefined;
  #lastReceiveAtMs: number | undefined;
  #received = 0;

  constructor(options: ConsumerOptions) {
    this.#o = options;
    this.#free = options.capacity;
    this.#maxInFlight = Math.max(options.capacity, options.maxInFlight ?? options.capacity * 4);
    this.#now = options.now ?? Date.now;
  }

  /** When the last receive call returned (epoch ms), whether or not it brought messages. */
  get lastReceiveAtMs(): number | undefined {
    return this.#lastReceiveAtMs;
  }

  /** Messages received so far. */
  get received(): number {
    return this.#received;
  }

  /** Jobs currently holding a slot. */
  get busy(): number {
    return this.#o.capacity - this.#free;
  }

  /** Start the loop (idempotent). */
  start(): void {
    this.#loop ??= this.#run();
  }

  /** Stop polling; resolves when the current poll has finished and its messages were released. */
  async stop(): Promise<void> {
    this.#stopping = true;
    this.#wake?.();
    await this.#loop;
  }

  async #run(): Promise<void> {
    const { queue, logger } = this.#o;
    const baseBackoff = this.#o.errorBackoffMs ?? 500;
    let backoff = baseBackoff;
    while (!this.#stopping) {
      const room = Math.min(this.#free, this.#maxInFlight - this.#inFlight);
      if (room <= 0) {
        await new Promise<void>((resolve) => (this.#wake = resolve));
        this.#wake = undefined;
        continue;
      }
      let messages: ReceivedMessage[];
      const polledAt = this.#now();
      try {
        messages = await queue.receive(room, this.#o.waitSeconds);
        backoff = baseBackoff;
      } catch (err) {
        logger.error({ err }, "receive failed; retrying");
        await new Promise((r) => setTimeout(r, backoff));
        backoff = Math.min(backoff * 2, baseBackoff * 16);
        continue;
      }
      const at = this.#now();
      this.#lastReceiveAtMs = at;
      if (this.#stopping) {
        // Received after shutdown began: hand the messages straight back.
        await Promise.all(messages.map((m) => queue.release(m.receipt).catch(() => undefined)));
        if (messages.length > 0) logger.info({ count: messages.length }, "released messages received during shutdown");
        break;
      }
      this.#received += messages.length;
      if (messages.length === 0 && this.#now() - polledAt < 10) {
        // A short poll that came back empty at once: pause instead of spinning (and starving timers).
        await new Promise((r) => setTimeout(r, 100));
      }
      for (const m of messages) {
        this.#free--;
        this.#inFlight++;
        let freed = false;
        const freeSlot = () => {
          if (freed) return;
          freed = true;
          this.#free++;
          this.#wake?.();
        };
        void this.#o.handle(m, at, freeSlot).finally(() => {
          freeSlot();
          this.#inFlight--;
          this.#wake?.();
        });
      }
    }
  }
}
