// Running estimates of what work costs on this pool's REPLs (a request on warm state, a character elaborated, a
// header loaded), so affinity scheduling waits for a busy REPL only while waiting is cheaper than rebuilding.

/** What the scheduler reads: unknown costs are treated as expensive (waiting stays bounded by the pool anyway). */
export interface CostView {
  /** Mean time a request on warm state (no header load) holds a REPL, in ms (0 until observed). */
  readonly serviceMs: number;
  /** Time to elaborate one new character of command text, in ms (Infinity until observed). */
  readonly msPerChar: number;
  /** Time to load this import header, in ms (Infinity until observed). */
  headerLoadMs(header: string): number;
}

/** One finished request, as the pool saw it. */
export interface CostSample {
  durationMs: number;
  /** Characters the REPL had to elaborate (text length minus reused characters). */
  newChars: number;
  /** The header the request loaded on its REPL (not held before), or null. */
  loadedHeader: string | null;
}

/** Weight of a new sample in the moving averages. */
const ALPHA = 0.2;
const ewma = (old: number | null, sample: number) => (old === null ? sample : old + ALPHA * (sample - old));

/** Exponentially weighted averages over the pool's finished requests. */
export class CostEstimates implements CostView {
  #serviceMs: number | null = null;
  #msPerChar: number | null = null;
  readonly #headerMs = new Map<string, number>();

  /** See {@link CostView.serviceMs}. */
  get serviceMs(): number {
    return this.#serviceMs ?? 0;
  }

  /** See {@link CostView.msPerChar}. */
  get msPerChar(): number {
    return this.#msPerChar ?? Infinity;
  }

  /** See {@link CostView.headerLoadMs}. */
  headerLoadMs(header: string): number {
    return this.#headerMs.get(header) ?? Infinity;
  }

  /** Learn from a finished request. */
  observe(sample: CostSample): void {
    if (sample.loadedHeader === null) {
      this.#serviceMs = ewma(this.#serviceMs, sample.durationMs);
      if (sample.newChars > 0) this.#msPerChar = ewma(this.#msPerChar, sample.durationMs / sample.newChars);
      return;
    }
    const elaboration = this.#msPerChar === null ? 0 : sample.newChars * this.#msPerChar;
    const load = Math.max(0, sample.durationMs - elaboration);
    this.#headerMs.set(sample.loadedHeader, ewma(this.#headerMs.get(sample.loadedHeader) ?? null, load));
  }
}
