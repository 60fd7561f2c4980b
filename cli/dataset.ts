// Reads an evaluation dataset (JSON Lines, one batch item per line) and validates each line locally with the API's
// own schema, so mistakes are reported with their line number before anything is submitted.
import { readFile } from "node:fs/promises";
import { batchItemSchema } from "../functions/api/index.js";
import type { BatchItemInput } from "../services/client/index.js";

/** A dataset line that is not a valid item. */
export class DatasetError extends Error {}

/** Parse dataset text: blank lines skipped; each line a JSON batch item (`code` | `file` | `tactic`+`proofState`, `group`, ...). */
export function parseDataset(text: string, file = "dataset"): BatchItemInput[] {
  const items: BatchItemInput[] = [];
  const lines = text.split(/\r?\n/);
  lines.forEach((line, n) => {
    if (line.trim() === "") return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      throw new DatasetError(`${file}:${n + 1}: not valid JSON (${(err as Error).message})`);
    }
    const r = batchItemSchema.safeParse(value);
    if (!r.success) {
      const issue = r.error.issues[0]!;
      const where = issue.path.length ? `${issue.path.join(".")}: ` : "";
      throw new DatasetError(`${file}:${n + 1}: ${where}${issue.message}`);
    }
    items.push(value as BatchItemInput);
  });
  if (items.length === 0) throw new DatasetError(`${file}: no items; write one JSON object per line, e.g. {"code": "theorem t : 1 + 1 = 2 := rfl", "group": "p1"}`);
  return items;
}

/** Read and parse a dataset file; `text` is what was read (to fingerprint the dataset). */
export async function readDataset(path: string): Promise<{ items: BatchItemInput[]; text: string }> {
  const text = await readFile(path, "utf8");
  return { items: parseDataset(text, path), text };
}
