// Cursor over a batch's results: which item sequence numbers a reader already has, so a results stream can resume
// without losing items that finish out of order. Shared by the API (which issues cursors) and the client (which
// rebuilds one after a broken connection).
import { InvalidRequestError } from "../repl/index.js";

/** A closed range of sequence numbers, `from <= to`. */
export interface SeqRange {
  from: number;
  to: number;
}

/**
 * The set of delivered sequence numbers: every seq `<= watermark`, plus `ranges` above it (sorted, disjoint, not
 * touching the watermark). Items finish out of order, so a plain "after N" cursor would skip late items; the ranges
 * hold the gaps' neighbours. Their count stays near the number of items still running.
 */
export class ResultCursor {
  /** Highest seq with every seq `0..watermark` delivered; -1 when seq 0 is not delivered. */
  watermark: number;
  /** Delivered ranges above the watermark, sorted and disjoint, each starting at `watermark + 2` or later. */
  ranges: SeqRange[];

  constructor(watermark = -1, ranges: SeqRange[] = []) {
    this.watermark = watermark;
    this.ranges = ranges;
    this.#normalise();
  }

  /** Parse a cursor string (`""`, `"17"`, `"17.20-25.31"`); throws {@link InvalidRequestError} naming `cursor`. */
  static parse(text: string | undefined): ResultCursor {
    if (text === undefined || text === "") return new ResultCursor();
    const fail = (why: string): never => {
      throw new InvalidRequestError(
        "cursor",
        `${JSON.stringify(text.slice(0, 80))} is not a results cursor (${why}); pass the LeanFleet-Cursor header of the previous page, or omit it to start over`,
      );
    };
    if (text.length > RESULT_CURSOR_MAX_CHARS) fail(`longer than ${RESULT_CURSOR_MAX_CHARS} characters`);
    const parts = text.split(".");
    const num = (s: string): number => {
      if (!/^(0|[1-9][0-9]{0,14})$/.test(s)) fail(`${JSON.stringify(s)} is not a non-negative integer`);
      return Number(s);
    };
    const head = parts[0]!;
    const watermark = head === "-1" ? -1 : num(head);
    const ranges: SeqRange[] = [];
    let last = watermark + 1;
    for (const part of parts.slice(1)) {
      const [a, b, extra] = part.split("-");
      if (a === undefined || extra !== undefined) fail(`bad range ${JSON.stringify(part)}`);
      const from = num(a!);
      const to = b === undefined ? from : num(b);
      if (to < from) fail(`range ${part} runs backwards`);
      if (from <= last) fail(`ranges must be increasing and above the watermark`);
      ranges.push({ from, to });
      last = to + 1;
    }
    return new ResultCursor(watermark, ranges);
  }

  /** The cursor as text (the inverse of {@link ResultCursor.parse}). */
  toString(): string {
    return [
      String(this.watermark),
      ...this.ranges.map((r) => (r.to > r.from ? `${r.from}-${r.to}` : String(r.from))),
    ].join(".");
  }

  /** True when `seq` was delivered. */
  has(seq: number): boolean {
    if (seq <= this.watermark) return true;
    // Few ranges in practice (about the number of running items), so a linear scan is fine; binary search anyway.
    let lo = 0;
    let hi = this.ranges.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const r = this.ranges[mid]!;
      if (seq < r.from) hi = mid - 1;
      else if (seq > r.to) lo = mid + 1;
      else return true;
    }
    return false;
  }

  /** Mark `seq` delivered. */
  add(seq: number): void {
    if (this.has(seq)) return;
    let i = 0;
    while (i < this.ranges.length && this.ranges[i]!.to < seq) i++;
    this.ranges.splice(i, 0, { from: seq, to: seq });
    this.#normalise();
  }

  /** Mark every seq `from..to` delivered. */
  addRange(from: number, to: number): void {
    if (to < from || to <= this.watermark) return;
    this.ranges.push({ from, to });
    this.#normalise();
  }

  /** True when every seq `0..total-1` was delivered. */
  covers(total: number): boolean {
    return this.watermark >= total - 1;
  }

  /** A copy. */
  clone(): ResultCursor {
    return new ResultCursor(
      this.watermark,
      this.ranges.map((r) => ({ ...r })),
    );
  }

  #normalise(): void {
    const merged: SeqRange[] = [];
    for (const r of [...this.ranges].sort((a, b) => a.from - b.from)) {
      const prev = merged[merged.length - 1];
      if (prev && r.from <= prev.to + 1) prev.to = Math.max(prev.to, r.to);
      else merged.push({ ...r });
    }
    while (merged.length > 0 && merged[0]!.from <= this.watermark + 1) {
      this.watermark = Math.max(this.watermark, merged.shift()!.to);
    }
    this.ranges = merged;
  }
}

/** Longest cursor text accepted (fits comfortably in a URL). */
export const RESULT_CURSOR_MAX_CHARS = 6000;
