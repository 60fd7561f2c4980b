// What starts a top-level Lean command at the start of a line: the command keywords, the modifiers and preambles
// (doc comments, attributes) that join the keyword line after them, and the identifier words they are made of.

/** Words that may stand alone before the declaration they modify (a following keyword line joins them). */
const MODIFIER_WORDS = ["noncomputable", "private", "protected", "public", "partial", "unsafe", "nonrec"] as const;
const MODIFIERS: ReadonlySet<string> = new Set(MODIFIER_WORDS);

/**
 * Words that start a top-level command when they begin a line at column 0 (the modifiers among them). Lines
 * starting with `#` (`#check`, `#eval`, ...), `@[` (attributes), `/--` (doc comments) or `/-!` (module docs) start a
 * command too.
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
  ...MODIFIER_WORDS,
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
export function wordAt(text: string, i: number): string {
  let j = i;
  while (j < text.length && isWordChar(text.charCodeAt(j))) j++;
  return text.slice(i, j);
}

/** What starts at column 0 of a line: a command keyword, a modifier-only prefix, or nothing. */
export function lineStartKind(text: string, i: number): "command" | "none" {
  const c = text.charCodeAt(i);
  if (c === 35 /* # */) return isWordChar(text.charCodeAt(i + 1)) ? "command" : "none";
  if (c === 64 /* @ */) return text.charCodeAt(i + 1) === 91 /* [ */ ? "command" : "none";
  if (c === 47 /* / */) {
    return text.startsWith("/--", i) || text.startsWith("/-!", i) ? "command" : "none";
  }
  return COMMAND_KEYWORDS.has(wordAt(text, i)) ? "command" : "none";
}

/** True when the command starting at `i` opens with a doc comment, an attribute or a modifier word. */
export function startsWithPreamble(text: string, i: number): boolean {
  const c = text.charCodeAt(i);
  if (c === 47 /* / */ || c === 64 /* @ */) return true;
  return MODIFIERS.has(wordAt(text, i));
}

/**
 * True when the command text so far holds only doc comments, attributes and modifiers, so a keyword line that
 * follows belongs to it (`/-- doc -/⏎theorem …`, `@[simp]⏎lemma …`, `noncomputable⏎def …`).
 */
export function onlyPreamble(text: string, start: number, end: number): boolean {
  const s = text
    .slice(start, end)
    .replace(/\/--[\s\S]*?-\//g, " ")
    .replace(/@\[[^\]]*\]/g, " ")
    .trim();
  if (s === "") return true;
  return s.split(/\s+/).every((w) => MODIFIERS.has(w));
}
