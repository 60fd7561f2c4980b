// Header reuse for the upstream REPL (no `incrementality`): cut a command's import header off, so the pool can
// elaborate each header once per REPL and run bodies on its environment, with positions mapped back to the caller's text.
import { headerKey, splitSource, type SourceSplit } from "./command-split.js";
import { PositionMap } from "./position-map.js";

/** A command text cut into its import header and its body. */
export interface HeaderSplit {
  /** Canonical header key: the imported modules joined by spaces (comments and layout do not matter, as in the fork). */
  key: string;
  /** The header to elaborate once per REPL: one `import` line per module, in order. */
  headerText: string;
  /** The body to run on the header's environment (the caller's text from the first non-header token on). */
  body: string;
  /** Maps positions reported for `body` back to positions in the caller's text. */
  positions: PositionMap;
  /** Offset in the caller's text where the body starts. */
  bodyStart: number;
}

/**
 * Split `text` into header and body; null when the text imports nothing (then there is nothing to reuse and the
 * text is sent whole). The header is the leading `import` lines, with comments and blank lines allowed between
 * them, as Lean reads it, sent in canonical form (one `import` per module); the body starts after the last import
 * line, or mid-line where a command follows a block comment closed on that line (the position map handles both).
 * `split` is the text's splitSource, when the caller has it already.
 */
export function splitHeader(text: string, split: SourceSplit = splitSource(text)): HeaderSplit | null {
  if (split.imports.length === 0) return null;
  // Cut at the end of the last import line: comments after it stay in the body (the double's directives live in
  // comments; Lean ignores them either way). Comments before or between imports are whitespace to Lean.
  const eol = text.indexOf("\n", split.lastImportEnd);
  const bodyStart = Math.min(eol === -1 ? text.length : eol + 1, split.headerEnd);
  return {
    key: headerKey(split.imports),
    headerText: split.imports.map((m) => `import ${m}`).join("\n"),
    body: text.slice(bodyStart),
    positions: new PositionMap(text, [{ kind: "original", start: bodyStart, end: text.length }]),
    bodyStart,
  };
}

/** The import header key of a text (`""` when it imports nothing); the pool's header affinity uses it. */
export function importHeaderKey(text: string): string {
  return headerKey(splitSource(text).imports);
}
