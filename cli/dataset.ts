// Reads an evaluation dataset (JSON Lines) as people have it: LeanFleet's own batch items, or prover datasets such as
// miniF2F, ProofNet and PutnamBench as prover papers ship them (`name`, `split`, `header`, `formal_statement` ending
// in `:= by`, the proof in `proof` / `formal_proof` / `output` / `completion`), mapped to batch items and validated
// line by line with the API's own schema and messages before anything is submitted.
import { readFile } from "node:fs/promises";
import { BATCH_ITEM_FIELDS, BadRequestError, batchItemSchema, parseWith } from "../functions/api/index.js";
import type { BatchItemInput } from "../services/client/index.js";
import { LeanFleetError } from "../services/core/index.js";

/** A dataset line that is not a valid item. */
export class DatasetError extends LeanFleetError {
  constructor(message: string, options?: ErrorOptions) {
    super("invalid_dataset", message, {}, options);
  }
}

/** Which fields of a dataset line hold what; each `undefined` takes its default. */
export interface DatasetFields {
  /** Field with the whole Lean code to check. @default "code" (else header + statement + proof) */
  code?: string;
  /** Field with the item's id, returned as `id` in its result. @default "id", else "name" */
  id?: string;
  /** Field with the formal statement (theorems ending in `:= by` or `:= sorry`). @default "formal_statement" */
  statement?: string;
  /** Field with the import header that precedes the statement. @default "header" */
  header?: string;
  /** Field with the proof that completes the statement. @default - the first of {@link PROOF_FIELDS} present */
  proof?: string;
}

/** Fields read as the proof when `--proof-field` names none, in this order. */
export const PROOF_FIELDS = ["proof", "formal_proof", "output", "completion"] as const;

/** A parsed dataset: the batch items, and warnings to print once. */
export interface ParsedDataset {
  items: BatchItemInput[];
  /** At most one warning per kind (e.g. the fields that are not sent), never one per line. */
  warnings: string[];
}

const API_FIELDS = new Set(BATCH_ITEM_FIELDS);
const preview = (v: unknown) => {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
};

/** Join Lean fragments: each on its own line (a statement ending in `:= by` and its proof's first tactic included). */
function joinLean(a: string, b: string): string {
  if (a === "") return b;
  return a.endsWith("\n") || b.startsWith("\n") ? a + b : `${a}\n${b}`;
}

/** A proof body whose first line is not indented is indented by two spaces, so it stays inside the `by` block. */
function indentProof(proof: string): string {
  const first = proof.split("\n").find((l) => l.trim() !== "");
  if (first === undefined || /^\s/.test(first)) return proof;
  return proof
    .split("\n")
    .map((l) => (l.trim() === "" ? l : `  ${l}`))
    .join("\n");
}

/** The name of the first theorem or lemma a statement declares (to tell a whole-file proof from a proof body). */
function declaredName(statement: string): string | undefined {
  return /(?:^|\s)(?:theorem|lemma)\s+([^\s:({[]+)/.exec(statement)?.[1];
}

/** One dataset line being mapped: where it is (for messages) and which of its fields were read as Lean text. */
interface LineReader {
  line: Record<string, unknown>;
  where: string;
  used: Set<string>;
}

/** A text field of the line (marked as used), undefined when absent; any other value is an error naming it. */
function readString(r: LineReader, field: string): string | undefined {
  const v = r.line[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string") throw new DatasetError(`${r.where}: ${field}: must be a string, got ${preview(v)}`);
  r.used.add(field);
  return v;
}

/** The error for a field named by a `--*-field` flag that the line lacks. */
function missingNamedField(r: LineReader, field: string, flag: string): DatasetError {
  return new DatasetError(`${r.where}: ${field}: missing (named by ${flag}); add it to every line or drop ${flag}`);
}

/** The header and formal statement of a prover-style line (`formal` is undefined when the line has none). */
interface StatementParts {
  statementField: string;
  header: string;
  formal: string | undefined;
}

/** Read the header and the formal statement (the statement field named by a flag must be there). */
function statementParts(r: LineReader, fields: DatasetFields): StatementParts {
  const statementField = fields.statement ?? "formal_statement";
  const header = readString(r, fields.header ?? "header") ?? "";
  const formal = statementField === "statement" ? undefined : readString(r, statementField);
  if (fields.statement !== undefined && formal === undefined && statementField !== "statement") {
    throw missingNamedField(r, statementField, "--statement-field");
  }
  return { statementField, header, formal };
}

/**
 * The code of a line with no code, file or tactic: header + statement + proof, or the proof alone (after the header
 * when it has no imports of its own) when it declares the statement's theorem itself, i.e. is a whole file.
 */
function codeFromProof(
  r: LineReader,
  fields: DatasetFields,
  { statementField, header, formal }: StatementParts,
): string {
  const proofField = fields.proof ?? PROOF_FIELDS.find((f) => typeof r.line[f] === "string");
  const proof = proofField === undefined ? undefined : readString(r, proofField);
  if (fields.proof !== undefined && proof === undefined) throw missingNamedField(r, fields.proof, "--proof-field");
  if (formal === undefined || proof === undefined) {
    const has =
      formal === undefined
        ? `no ${statementField}`
        : `${statementField} but no proof field (${PROOF_FIELDS.join(", ")})`;
    throw new DatasetError(
      `${r.where}: no Lean code to check: the line has no code, file or tactic field and ${has}; name the field holding the whole Lean code with --code-field FIELD, or the proof that completes ${statementField} with --proof-field FIELD`,
    );
  }
  const name = declaredName(formal);
  const wholeFile =
    name !== undefined &&
    new RegExp(`(?:^|\\s)(?:theorem|lemma)\\s+${name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}(?=[\\s:({[])`).test(proof);
  if (wholeFile) return /^\s*import\s/m.test(proof) ? proof : joinLean(header, proof);
  return joinLean(joinLean(header, formal.replace(/\s*sorry\s*$/, "")), indentProof(proof));
}

/** Set the item's code: the code field, else (when the item has no file or tactic) built from statement and proof. */
function setCode(r: LineReader, fields: DatasetFields, parts: StatementParts, item: Record<string, unknown>): void {
  const codeField = fields.code ?? "code";
  // LeanFleet's own `code` goes to the API's schema as it is (its message names the fix); another field must be text.
  const code = fields.code === undefined ? r.line.code : readString(r, codeField);
  if (fields.code !== undefined && code === undefined) throw missingNamedField(r, codeField, "--code-field");
  if (code !== undefined) item.code = code;
  else if (item.file === undefined && item.tactic === undefined) item.code = codeFromProof(r, fields, parts);
}

/** Set the item's id, and its group (pass@k and early stop work per problem). */
function setId(r: LineReader, fields: DatasetFields, item: Record<string, unknown>): void {
  const { line, where } = r;
  const idField = fields.id ?? (line.id !== undefined ? "id" : line.name !== undefined ? "name" : undefined);
  if (idField !== undefined) {
    const v = line[idField];
    if (v === undefined || v === null) {
      if (fields.id !== undefined) throw missingNamedField(r, idField, "--id-field");
    } else {
      if (typeof v !== "string" && typeof v !== "number")
        throw new DatasetError(`${where}: ${idField}: must be a string (the item's id), got ${preview(v)}`);
      item.id = String(v);
      r.used.add(idField);
    }
  }
  if (item.group === undefined && typeof item.id === "string") item.group = item.id;
}

/**
 * Map one dataset line to a batch item. LeanFleet's own fields (code, file, tactic, group, id, meta, statement, ...)
 * pass through; otherwise code is header + statement + proof; a proof that declares the statement's theorem itself
 * is a whole file (the header is put first when it has no imports of its own).
 */
function toItem(
  line: Record<string, unknown>,
  fields: DatasetFields,
  where: string,
  ignored: Set<string>,
): BatchItemInput {
  const r: LineReader = { line, where, used: new Set<string>() };
  const item: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(line)) if (API_FIELDS.has(k) && k !== "code") item[k] = v;
  const parts = statementParts(r, fields);
  setCode(r, fields, parts, item);
  if (item.statement === undefined && parts.formal !== undefined) item.statement = joinLean(parts.header, parts.formal);
  setId(r, fields, item);

  // Everything else: into meta (when the line has no meta of its own), else left out with one warning.
  const rest = Object.keys(line).filter((k) => !API_FIELDS.has(k) && !r.used.has(k));
  if (rest.length > 0) {
    if (line.meta === undefined) item.meta = Object.fromEntries(rest.map((k) => [k, line[k]]));
    else for (const k of rest) ignored.add(k);
  }
  return item as BatchItemInput;
}

/** Parse dataset text: blank lines skipped; each line a JSON object mapped to a batch item (see {@link DatasetFields}). */
export function parseDataset(text: string, file = "dataset", fields: DatasetFields = {}): ParsedDataset {
  const items: BatchItemInput[] = [];
  const ignored = new Set<string>();
  const lines = text.split(/\r?\n/);
  lines.forEach((line, n) => {
    if (line.trim() === "") return;
    const where = `${file}:${n + 1}`;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      throw new DatasetError(`${where}: not valid JSON (${(err as Error).message}); write one JSON object per line`);
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      throw new DatasetError(`${where}: must be a JSON object (one item per line), got ${preview(value)}`);
    }
    const item = toItem(value as Record<string, unknown>, fields, where, ignored);
    try {
      parseWith(batchItemSchema, item);
    } catch (err) {
      if (!(err instanceof BadRequestError)) throw err;
      // The API's own text (field and fix), with the value the line holds there.
      const path = err.field?.split(".") ?? [];
      const got =
        path.length > 0
          ? path.reduce<unknown>(
              (v, k) => (typeof v === "object" && v !== null ? (v as Record<string, unknown>)[k] : undefined),
              item,
            )
          : undefined;
      throw new DatasetError(`${where}: ${err.message}${got === undefined ? "" : ` (got ${preview(got)})`}`);
    }
    items.push(item);
  });
  if (items.length === 0)
    throw new DatasetError(
      `${file}: no items; write one JSON object per line, e.g. {"code": "theorem t : 1 + 1 = 2 := rfl", "group": "p1"}`,
    );
  const warnings =
    ignored.size > 0
      ? [
          `note: fields ${[...ignored]
            .sort()
            .map((k) => JSON.stringify(k))
            .join(
              ", ",
            )} are not sent (lines with their own "meta" keep it as is); results carry "index", the dataset line they answer`,
        ]
      : [];
  return { items, warnings };
}

/** Read and parse a dataset file; `text` is what was read (to fingerprint the dataset). */
export async function readDataset(path: string, fields: DatasetFields = {}): Promise<ParsedDataset & { text: string }> {
  const text = await readFile(path, "utf8");
  return { ...parseDataset(text, path, fields), text };
}
