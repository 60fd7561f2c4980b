// Small, linear scans of Lean source the verifier needs before Lean answers: the theorem names a text declares
// (with their namespaces), whether it holds any command at all, and the option and native-evaluation uses it names.
import { splitSource } from "../repl/index.js";

/** A declaration keyword at column 0 that names a theorem. */
const THEOREM_LINE =
  /^(?:@\[[^\]\n]*\]\s*)?(?:(?:private|protected|nonrec|noncomputable)\s+)*(theorem|lemma)\s+([^\s:({[⦃]+)/;
const NAMESPACE_LINE = /^(namespace|section|end)\b[ \t]*([^\s-]*)/;

/**
 * Replace comments and string literals by spaces (same length, newlines kept), so that line scans never see a
 * keyword inside them. One pass; nested block comments as Lean nests them.
 */
export function blankComments(text: string): string {
  const out = text.split("");
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    const next = text[i + 1];
    if (inString) {
      if (c === "\\") {
        out[i] = " ";
        if (next !== undefined && next !== "\n") out[i + 1] = " ";
        i++;
        continue;
      }
      if (c === '"') inString = false;
      else if (c !== "\n") out[i] = " ";
      continue;
    }
    if (depth > 0) {
      if (c === "/" && next === "-") {
        depth++;
        out[i] = out[i + 1] = " ";
        i++;
      } else if (c === "-" && next === "/") {
        depth--;
        out[i] = out[i + 1] = " ";
        i++;
      } else if (c !== "\n") out[i] = " ";
      continue;
    }
    if (c === "-" && next === "-") {
      while (i < text.length && text[i] !== "\n") out[i++] = " ";
      i--;
    } else if (c === "/" && next === "-") {
      depth = 1;
      out[i] = out[i + 1] = " ";
      i++;
    } else if (c === '"') {
      inString = true;
    }
  }
  return out.join("");
}

/**
 * The full names of the theorems (and lemmas) a text declares at column 0, in order, with the enclosing
 * `namespace`s prefixed. A text scan: Lean's own listing (the audit's `listLocal`) catches what it misses.
 */
export function declaredTheorems(text: string): string[] {
  const names: string[] = [];
  const scopes: { kind: string; name: string }[] = [];
  for (const line of blankComments(text).split("\n")) {
    const ns = NAMESPACE_LINE.exec(line);
    if (ns) {
      if (ns[1] === "end") scopes.pop();
      else scopes.push({ kind: ns[1]!, name: ns[1] === "namespace" ? ns[2]! : "" });
      continue;
    }
    const m = THEOREM_LINE.exec(line);
    if (!m) continue;
    const raw = m[2]!;
    const name = raw.startsWith("_root_.")
      ? raw.slice("_root_.".length)
      : [...scopes.map((s) => s.name).filter((s) => s !== ""), raw].join(".");
    names.push(name);
  }
  return names;
}

/** True when the text holds neither an import nor any command (empty, blank, or only comments). */
export function holdsNoLean(text: string): boolean {
  // splitSource skips comments and whitespace in one charCode pass (the API runs this on every request).
  const split = splitSource(text);
  return split.imports.length === 0 && split.commandStarts.length === 0;
}

/** Options that switch kernel checking off, by the name Lean gives them. */
export const KERNEL_OFF_OPTIONS = ["debug.skipKernelTC"] as const;

/** Uses of the kernel-skipping options in the text outside comments and strings (`set_option … true`, any form). */
export function kernelOffUses(text: string): string[] {
  const code = blankComments(text);
  return KERNEL_OFF_OPTIONS.filter((o) => new RegExp(`set_option\\s+${o.replace(".", "\\.")}\\s+true`).test(code));
}

/**
 * A statement as the problem's datasets ship it, made ready to elaborate: a proof left open (`:= by` or `:=` at the
 * end, the miniF2F / ProofNet / PutnamBench form) gets `sorry`.
 */
export function prepareStatement(text: string): string {
  const trimmed = text.replace(/\s+$/, "");
  if (/:=\s*by$/.test(trimmed) || trimmed.endsWith(":=")) return `${trimmed} sorry\n`;
  return `${trimmed}\n`;
}
