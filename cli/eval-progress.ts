// The progress bar of `leanfleet eval` on stderr: submission, then results with the valid count, the rate over the
// last arrivals and the ETA. With --no-progress nothing is drawn.
import cliProgress from "cli-progress";

/** Results per second over the last `windowMs` of arrivals. */
class RateMeter {
  readonly #times: number[] = [];
  constructor(private readonly windowMs = 10_000) {}
  tick(now: number): void {
    this.#times.push(now);
    while (this.#times.length > 0 && this.#times[0]! < now - this.windowMs) this.#times.shift();
  }
  rate(now: number): number {
    const inWindow = this.#times.filter((t) => t >= now - this.windowMs);
    if (inWindow.length < 2) return 0;
    return (inWindow.length - 1) / Math.max(0.001, (now - inWindow[0]!) / 1000);
  }
}

/** What `eval` shows while it submits and collects; every method does nothing when `show` is false. */
export class EvalProgress {
  readonly #bar = new cliProgress.SingleBar(
    {
      format: "{phase} |{bar}| {value}/{total} | valid {valid} | {rate}/s | ETA {eta_formatted}",
      stream: process.stderr,
      noTTYOutput: true,
      notTTYSchedule: 2000,
      hideCursor: false,
      etaBuffer: 200,
    },
    cliProgress.Presets.shades_classic,
  );
  readonly #meter = new RateMeter();

  constructor(readonly show: boolean) {}

  /** Submission of `total` items starts. */
  startSubmit(total: number): void {
    if (this.show) this.#bar.start(total, 0, { phase: "submit ", valid: 0, rate: "0.0" });
  }

  /** `n` items are submitted. */
  submitted(n: number): void {
    if (this.show) this.#bar.update(n);
  }

  /** Results start arriving; a resumed run starts the bar at the `done` results (`valid` of them) already written. */
  startResults(total: number, done: number, valid: number, resumed: boolean): void {
    if (!this.show) return;
    if (resumed) this.#bar.start(total, done, { phase: "results", valid, rate: "0.0" });
    else this.#bar.update(0, { phase: "results" });
  }

  /** One more result arrived: `done` in all, `valid` of them valid. */
  result(done: number, valid: number): void {
    const now = Date.now();
    this.#meter.tick(now);
    if (this.show) this.#bar.update(done, { valid, rate: this.#meter.rate(now).toFixed(1) });
  }

  /** Stop drawing. */
  stop(): void {
    if (this.show) this.#bar.stop();
  }
}
