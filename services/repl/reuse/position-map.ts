// Maps positions reported by the REPL for a text LeanFleet rewrote (header cut off, an option line inserted) back to
// positions in the caller's own text, across every place a response carries positions.
import type { Pos, ReplResponse } from "../protocol/protocol.js";

/** A piece of the text actually sent: a slice of the caller's text, or text LeanFleet inserted. */
export type TextPiece = { kind: "original"; start: number; end: number } | { kind: "inserted"; text: string };

/** Offsets of the first character of each line (line k, 1-based, starts at `starts[k-1]`). */
function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) starts.push(i + 1);
  return starts;
}

/** Offset of a Lean position (1-based line, column in code points) in `text`; clamped to the line's end. */
function offsetOf(text: string, starts: readonly number[], pos: Pos): number {
  const lineIdx = Math.min(Math.max(pos.line, 1), starts.length) - 1;
  let i = starts[lineIdx]!;
  const lineEnd = lineIdx + 1 < starts.length ? starts[lineIdx + 1]! - 1 : text.length;
  for (let col = 0; col < pos.column && i < lineEnd; col++) {
    const c = text.charCodeAt(i);
    i += c >= 0xd800 && c <= 0xdbff && i + 1 < lineEnd ? 2 : 1;
  }
  return i;
}

/** Lean position of an offset of `text`. */
function posOf(text: string, starts: readonly number[], offset: number): Pos {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid]! <= offset) lo = mid;
    else hi = mid - 1;
  }
  let column = 0;
  for (let i = starts[lo]!; i < offset; i++) {
    const c = text.charCodeAt(i);
    if (!(c >= 0xdc00 && c <= 0xdfff && i > starts[lo]!)) column++;
  }
  return { line: lo + 1, column };
}

const POSITION_KEYS = new Set(["pos", "endPos", "start", "finish"]);
const isPos = (v: unknown): v is Pos =>
  typeof v === "object" && v !== null && typeof (v as Pos).line === "number" && typeof (v as Pos).column === "number";

/**
 * The correspondence between the text sent to a REPL (a sequence of {@link TextPiece}s) and the caller's text.
 * `mapResponse` rewrites every position of a response (messages, sorries, tactics, infotree and declaration ranges)
 * so the caller sees positions in its own text, and drops the infotree of a command LeanFleet inserted.
 */
export class PositionMap {
  /** The text to send. */
  readonly sent: string;
  readonly #original: string;
  readonly #pieces: Array<{ piece: TextPiece; sentStart: number; sentEnd: number }> = [];
  #origStarts: number[] | null = null;
  #sentStarts: number[] | null = null;

  constructor(original: string, pieces: readonly TextPiece[]) {
    this.#original = original;
    let sent = "";
    for (const piece of pieces) {
      const text = piece.kind === "original" ? original.slice(piece.start, piece.end) : piece.text;
      this.#pieces.push({ piece, sentStart: sent.length, sentEnd: sent.length + text.length });
      sent += text;
    }
    this.sent = sent;
  }

  /** The map of a text sent unchanged. */
  static identity(text: string): PositionMap {
    return new PositionMap(text, [{ kind: "original", start: 0, end: text.length }]);
  }

  /** True when the sent text is the caller's text unchanged (positions need no rewriting). */
  get isIdentity(): boolean {
    const only = this.#pieces.length === 1 ? this.#pieces[0]!.piece : null;
    return only !== null && only.kind === "original" && only.start === 0 && only.end === this.#original.length;
  }

  /** Caller offset of a sent offset, and whether it lies strictly inside inserted text. */
  mapOffset(sentOffset: number): { offset: number; inserted: boolean } {
    for (let k = 0; k < this.#pieces.length; k++) {
      const { piece, sentStart, sentEnd } = this.#pieces[k]!;
      const last = k === this.#pieces.length - 1;
      if (sentOffset < sentEnd || last) {
        if (piece.kind === "original")
          return { offset: Math.min(piece.start + Math.max(sentOffset - sentStart, 0), piece.end), inserted: false };
        // Inserted text maps to the caller offset where it was inserted.
        const next = this.#pieces[k + 1]?.piece;
        const prev = this.#pieces[k - 1]?.piece;
        const at = next?.kind === "original" ? next.start : prev?.kind === "original" ? prev.end : 0;
        return { offset: at, inserted: true };
      }
    }
    return { offset: 0, inserted: false };
  }

  /** Caller position of a sent position (line 0, "no position", is kept). */
  mapPos(pos: Pos): { pos: Pos; inserted: boolean } {
    if (pos.line <= 0) return { pos: { ...pos }, inserted: false };
    this.#sentStarts ??= lineStarts(this.sent);
    this.#origStarts ??= lineStarts(this.#original);
    const { offset, inserted } = this.mapOffset(offsetOf(this.sent, this.#sentStarts, pos));
    return { pos: posOf(this.#original, this.#origStarts, offset), inserted };
  }

  /** A copy of `response` with every position in caller coordinates. */
  mapResponse(response: ReplResponse): ReplResponse {
    if (this.isIdentity || response.kind === "error") return response;
    const raw = response.value as Record<string, unknown>;
    let source = raw;
    if (response.kind === "command" && Array.isArray(raw.infotree)) {
      const kept = raw.infotree.filter((tree) => !this.#insertedTree(tree));
      source = { ...raw };
      if (kept.length > 0) source.infotree = kept;
      else delete source.infotree;
    }
    return { ...response, value: this.#mapValue(source) } as ReplResponse;
  }

  /** Map positions in any JSON value (deep copy). */
  #mapValue(value: unknown, key?: string): unknown {
    if (Array.isArray(value)) return value.map((v) => this.#mapValue(v));
    if (typeof value !== "object" || value === null) return value;
    if (key !== undefined && POSITION_KEYS.has(key) && isPos(value)) {
      const { pos } = this.mapPos(value);
      return { ...value, line: pos.line, column: pos.column };
    }
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = this.#mapValue(v, k);
    return out;
  }

  /** An infotree root whose command range lies inside inserted text (the tree of a command LeanFleet inserted). */
  #insertedTree(tree: unknown): boolean {
    const range = (tree as { node?: { stx?: { range?: { start?: unknown; finish?: unknown } } } } | null)?.node?.stx
      ?.range;
    if (range === undefined || !isPos(range.start) || !isPos(range.finish)) return false;
    return this.mapPos(range.start).inserted && this.mapPos(range.finish).inserted;
  }
}
