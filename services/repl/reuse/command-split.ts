// Splits Lean source into its import header and its top-level commands (a command starts at column 0 with a
// command keyword), so the pool can key elaborated prefixes the way the fork's trie does, in one O(length) pass.

/**
 * Words that start a top-level command when they begin a line at column 0. Lines starting with `#` (`#check`,
 * `#eval`, ...), `@[` (attributes), `/--` (doc comments) or `/-!` (module docs) start a command too.
 */
export const COMMAND_KEYWORDS: ReadonlySet<string> = new Set([
  "theorem",
  "lemma",
  "def",
  "example",
  "abbrev",
  "instance",
  "structure",
  "class",
  "inductive",
  "coinductive",
  "axiom",
  "opaque",
  "namespace",
  "section",
  "end",
  "open",
  "variable",
  "universe",
  "set_option",
  "attribute",
  "export",
  "local",
  "scoped",
  "macro",
  "macro_rules",
  "syntax",
  "notation",
  "infix",
  "infixl",
  "infixr",
  "prefix",
  "postfix",
  "elab",
  "elab_rules",
  "declare_syntax_cat",
  "initialize",
  "builtin_initialize",
  "deriving",
  "mutual",
  "omit",
  "include",
  "noncomputable",
  "private",
  "protected",
  "public",
  "partial",
  "unsafe",
  "nonrec",
  "alias",
  "irreducible_def",
  "add_decl_doc",
  "run_cmd",
  "run_elab",
  "run_meta",
  "assert_not_exists",
  "suppress_compilation",
  "compile_inductive",
  "library_note",
  "register_simp_attr",
  "initialize_simps_projections",
  "import",
]);

/** Words that may stand alone before the declaration they modify (a following keyword line joins them). */
const MODIFIERS: ReadonlySet<string> = new Set([
  "noncomputable",
  "private",
  "protected",
  "public",
  "partial",
  "unsafe",
  "nonrec",
]);

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

const isWs = (c: number): boolean => c === 32 || c === 9 || c === 10 || c === 13;
const isWordChar = (c: number): boolean =>
  (c >= 97 && c <= 122) ||
  (c >= 65 && c <= 90) ||
  (c >= 48 && c <= 57) ||
  c === 95 ||
  c === 33 ||
  c === 63 ||
  c === 39 ||
  c > 127;

/** The identifier-like word starting at `i` (letters, digits, `_`, `!`, `?`). */
function wordAt(text: string, i: number): string {
  let j = i;
  while (j < text.length && isWordChar(text.charCodeAt(j))) j++;
  return text.slice(i, j);
}

/** What starts at column 0 of a line: a command keyword, a modifier-only prefix, or nothing. */
function lineStartKind(text: string, i: number): "command" | "none" {
  const c = text.charCodeAt(i);
  if (c === 35 /* # */) return isWordChar(text.charCodeAt(i + 1)) ? "command" : "none";
  if (c === 64 /* @ */) return text.charCodeAt(i + 1) === 91 /* [ */ ? "command" : "none";
  if (c === 47 /* / */) {
    return text.startsWith("/--", i) || text.startsWith("/-!", i) ? "command" : "none";
  }
  return COMMAND_KEYWORDS.has(wordAt(text, i)) ? "command" : "none";
}

/** True when the command starting at `i` opens with a doc comment, an attribute or a modifier word. */
function startsWithPreamble(text: string, i: number): boolean {
  const c = text.charCodeAt(i);
  if (c === 47 /* / */ || c === 64 /* @ */) return true;
  return MODIFIERS.has(wordAt(text, i));
}

/**
 * True when the command text so far holds only doc comments, attributes and modifiers, so a keyword line that
 * follows belongs to it (`/-- doc -/⏎theorem …`, `@[simp]⏎lemma …`, `noncomputable⏎def …`).
 */
function onlyPreamble(text: string, start: number, end: number): boolean {
  const s = text
    .slice(start, end)
    .replace(/\/--[\s\S]*?-\//g, " ")
    .replace(/@\[[^\]]*\]/g, " ")
    .trim();
  if (s === "") return true;
  return s.split(/\s+/).every((w) => MODIFIERS.has(w));
}

/** What {@link splitSource} has found so far (updated as it goes). */
interface ScanState {
  starts: number[];
  imports: string[];
  lastImportEnd: number;
  inHeader: boolean;
  headerEnd: number;
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
  const st: ScanState = { starts: [], imports: [], lastImportEnd: 0, inHeader: true, headerEnd: n };
  let inHeader = true; // st.inHeader, read on every character
  let depth = 0; // nesting of /- -/ comments
  let inString = false;
  let lineStart = true;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i += 2;
      else {
        if (c === 34) inString = false;
        i++;
      }
      continue;
    }
    if (depth > 0) {
      if (c === 47 && text.charCodeAt(i + 1) === 45) (depth++, (i += 2));
      else if (c === 45 && text.charCodeAt(i + 1) === 47) (depth--, (i += 2));
      else i++;
      if (c === 10) lineStart = true;
      continue;
    }
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
      depth = 1;
      i += 2;
    } else if (c === 34) {
      inString = true;
      i++;
    } else if (
      c === 39 &&
      i + 2 < n &&
      (text.charCodeAt(i + 2) === 39 || (text.charCodeAt(i + 1) === 92 && text.charCodeAt(i + 3) === 39))
    ) {
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
