// Splits Lean source into its import header and its top-level commands (a command starts at column 0 with a
// command keyword), so the pool can key elaborated prefixes the way the fork's trie does, in one O(length) pass.

import { lineStartKind, onlyPreamble, startsWithPreamble, wordAt } from "./command-keywords.js";

// The scan reads this for every character; it stays next to the scan (command-keywords.ts holds the per-line rules).
const isWs = (c: number): boolean => c === 32 || c === 9 || c === 10 || c === 13;

/** The result of {@link splitSource}: offsets into the original text (UTF-16 code units). */
export interface SourceSplit {
  /** End of the import header: the offset where the first non-header token starts (text length when none). */
  headerEnd: number;
  /** The header's `import` module names in order (comments and whitespace dropped). */
  imports: string[];
  /** Offset just past the last module name of the header (0 when there is none). */
  lastImportEnd: number;
  /** Start offset of every top-level command after the header, ascending. */
  commandStarts: number[];
  /**
   * End offset of every command's trie key, ascending: the text up to the next command's start (or the end),
   * with trailing ASCII whitespace dropped. Key k is `text.slice(keyStart, keyEnds[k])`.
   */
  keyEnds: number[];
  /** Offset of the first non-whitespace character (keys are trimmed at the start too). */
  keyStart: number;
}

/** What {@link splitSource} has found so far (updated as it goes). */
interface ScanState {
  starts: number[];
  imports: string[];
  lastImportEnd: number;
  inHeader: boolean;
  headerEnd: number;
  /** Set by {@link blockCommentEnd} when the comment it skipped held a line break. */
  commentNewline: boolean;
}

/** The scan's state before the first character of a text of length `n`. */
function newScanState(n: number): ScanState {
  return { starts: [], imports: [], lastImportEnd: 0, inHeader: true, headerEnd: n, commentNewline: false };
}

/** True when a char literal (`'a'`, or an escape such as `'\n'`) starts at `i`, whose character is a quote. */
function isCharLiteral(text: string, i: number): boolean {
  return (
    i + 2 < text.length &&
    (text.charCodeAt(i + 2) === 39 || (text.charCodeAt(i + 1) === 92 && text.charCodeAt(i + 3) === 39))
  );
}

/** Offset just past the string literal whose opening quote precedes `i` (escapes skipped; text end if unclosed). */
function stringEnd(text: string, i: number): number {
  const n = text.length;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 92 /* \ */) i += 2;
    else {
      i++;
      if (c === 34) return i;
    }
  }
  return i;
}

/**
 * Offset just past the (nested) block comment whose `/-` precedes `i` (text end if unclosed); records in
 * `st.commentNewline` whether it held a line break (the token after it then starts a line).
 */
function blockCommentEnd(text: string, i: number, st: ScanState): number {
  const n = text.length;
  let depth = 1;
  st.commentNewline = false;
  while (i < n && depth > 0) {
    const c = text.charCodeAt(i);
    if (c === 47 && text.charCodeAt(i + 1) === 45) {
      depth++;
      i += 2;
    } else if (c === 45 && text.charCodeAt(i + 1) === 47) {
      depth--;
      i += 2;
    } else {
      if (c === 10) st.commentNewline = true;
      i++;
    }
  }
  return i;
}

/**
 * A token at the start of a line (comments excluded). In the header, an `import` line at column 0 adds its modules
 * and returns the offset to go on from (a trailing comment is scanned as usual); any other token ends the header.
 * Outside it, a command keyword at column 0 starts a command (unless it continues a preamble). Returns -1 when the
 * scan goes on at `i`.
 */
function lineToken(text: string, i: number, st: ScanState): number {
  const atCol0 = i === 0 || text.charCodeAt(i - 1) === 10;
  if (st.inHeader) {
    if (atCol0 && wordAt(text, i) === "import") {
      // `import A B` may name several modules on one line.
      const nl = text.indexOf("\n", i);
      const lineEnd = nl === -1 ? text.length : nl;
      const rest = text.slice(i + 6, lineEnd);
      const comment = rest.search(/--|\/-/);
      const names = comment === -1 ? rest : rest.slice(0, comment);
      for (const m of names.trim().split(/\s+/)) if (m) st.imports.push(m);
      st.lastImportEnd = i + 6 + names.trimEnd().length;
      return comment === -1 ? lineEnd : i + 6 + comment;
    }
    st.inHeader = false;
    st.headerEnd = i;
  }
  if (atCol0 && lineStartKind(text, i) === "command") {
    const prev = st.starts[st.starts.length - 1];
    if (prev === undefined || !startsWithPreamble(text, prev) || !onlyPreamble(text, prev, i)) st.starts.push(i);
  } else if (st.starts.length === 0) {
    st.starts.push(i); // text before any keyword line is still one command for Lean
  }
  return -1;
}

/** The trie keys' bounds: the first non-whitespace offset, and each command's end with trailing whitespace dropped. */
function keyBounds(text: string, starts: readonly number[]): { keyStart: number; keyEnds: number[] } {
  const n = text.length;
  let keyStart = 0;
  while (keyStart < n && isWs(text.charCodeAt(keyStart))) keyStart++;
  const keyEnds: number[] = [];
  for (let k = 0; k < starts.length; k++) {
    let e = k + 1 < starts.length ? starts[k + 1]! : n;
    while (e > keyStart && isWs(text.charCodeAt(e - 1))) e--;
    keyEnds.push(e);
  }
  return { keyStart, keyEnds };
}

/**
 * Split Lean source in one pass. Block comments (nested), line comments, string and char literals are skipped so
 * that a keyword inside them never starts a command. Leading `import` lines (with comments and blank lines
 * between them) form the header, as Lean and Kimina Lean Server read it.
 */
export function splitSource(text: string): SourceSplit {
  const n = text.length;
  const st: ScanState = newScanState(n);
  let inHeader = true; // st.inHeader, read on every character
  let lineStart = true;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (
      lineStart &&
      !isWs(c) &&
      !(c === 45 && text.charCodeAt(i + 1) === 45) &&
      !(c === 47 && text.startsWith("/-", i) && !text.startsWith("/--", i) && !text.startsWith("/-!", i))
    ) {
      // A token at column 0 (comments excluded).
      const next = lineToken(text, i, st);
      inHeader = st.inHeader;
      lineStart = false;
      if (next >= 0) {
        i = next;
        continue;
      }
    } else if (!isWs(c)) {
      lineStart = false;
      if (inHeader && !(c === 45 && text.charCodeAt(i + 1) === 45) && !(c === 47 && text.charCodeAt(i + 1) === 45)) {
        // Header tokens only start lines; anything else mid-line ends the header.
        inHeader = st.inHeader = false;
        st.headerEnd = i;
        if (st.starts.length === 0) st.starts.push(i);
      }
    }
    if (c === 10) {
      lineStart = true;
      i++;
    } else if (c === 45 && text.charCodeAt(i + 1) === 45) {
      const nl = text.indexOf("\n", i);
      i = nl === -1 ? n : nl;
    } else if (c === 47 && text.charCodeAt(i + 1) === 45) {
      i = blockCommentEnd(text, i + 2, st);
      if (st.commentNewline) lineStart = true;
    } else if (c === 34) {
      i = stringEnd(text, i + 1);
    } else if (c === 39 && isCharLiteral(text, i)) {
      i += text.charCodeAt(i + 1) === 92 ? 4 : 3; // char literal such as '"' or '\n'
    } else {
      i++;
    }
  }
  return {
    headerEnd: st.headerEnd,
    imports: st.imports,
    lastImportEnd: st.lastImportEnd,
    commandStarts: st.starts,
    ...keyBounds(text, st.starts),
  };
}

/** The canonical import header of a text: its module names joined by spaces (`""` when it imports nothing). */
export function headerKey(imports: readonly string[]): string {
  return imports.join(" ");
}
