// Holds ECS task scale-in protection while any job runs: on at the first job, off shortly after the last one ends,
// renewed while held (ECS lets it expire on its own).
import type { TaskProtection } from "../core/index.js";

/** Options of {@link ProtectionHolder}. */
export interface ProtectionHolderOptions {
  protection: TaskProtection;
  /** Keep protection this long after the last job ends. @default 2000 */
  releaseDelayMs?: number;
  /** Renew held protection this often. @default 3600000 */
  renewMs?: number;
  /** Called when setting protection fails (the job still runs: losing protection only risks a scale-in). */
  onError?: (err: unknown, on: boolean) => void;
  /** Longest a job waits for protection to be confirmed before it runs anyway. @default 5000 */
  acquireTimeoutMs?: number;
}

/** Reference-counted task protection. */
export class ProtectionHolder {
  readonly #protection: TaskProtection;
  readonly #releaseDelayMs: number;
  readonly #renewMs: number;
  readonly #onError: (err: unknown, on: boolean) => void;
  readonly #acquireTimeoutMs: number;
  #count = 0;
  #held = false;
  #chain: Promise<void> = Promise.resolve();
  #releaseTimer: NodeJS.Timeout | undefined;
  #renewTimer: NodeJS.Timeout | undefined;

  constructor(options: ProtectionHolderOptions) {
    this.#protection = options.protection;
    this.#releaseDelayMs = options.releaseDelayMs ?? 2000;
    this.#renewMs = options.renewMs ?? 60 * 60 * 1000;
    this.#onError = options.onError ?? (() => undefined);
    this.#acquireTimeoutMs = options.acquireTimeoutMs ?? 5000;
  }

  /** True while protection is requested on. */
  get held(): boolean {
    return this.#held;
  }

  /** A job starts; resolves once protection is on, failed to turn on, or took longer than the acquire timeout. */
  async acquire(): Promise<void> {
    this.#count++;
    clearTimeout(this.#releaseTimer);
    this.#releaseTimer = undefined;
    if (!this.#held) {
      this.#held = true;
      this.#set(true);
      this.#renewTimer = setInterval(() => this.#set(true), this.#renewMs);
      this.#renewTimer.unref();
    }
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.#chain, new Promise<void>((r) => (timer = setTimeout(r, this.#acquireTimeoutMs)))]);
    clearTimeout(timer);
  }

  /** A job ended; protection goes off after the release delay if no job started meanwhile. */
  release(): void {
    this.#count = Math.max(0, this.#count - 1);
    if (this.#count > 0 || !this.#held || this.#releaseTimer) return;
    this.#releaseTimer = setTimeout(() => {
      this.#releaseTimer = undefined;
      if (this.#count === 0) this.#drop();
    }, this.#releaseDelayMs);
    this.#releaseTimer.unref();
  }

  /** Turn protection off now (shutdown); resolves when the call finished. */
  async close(): Promise<void> {
    clearTimeout(this.#releaseTimer);
    this.#releaseTimer = undefined;
    if (this.#held) this.#drop();
    await this.#chain;
  }

  #drop(): void {
    this.#held = false;
    clearInterval(this.#renewTimer);
    this.#renewTimer = undefined;
    this.#set(false);
  }

  #set(on: boolean): void {
    // Calls are serialised so that an "off" can never overtake the "on" before it.
    this.#chain = this.#chain.then(() => this.#protection.set(on)).catch((err) => this.#onError(err, on));
  }
}
