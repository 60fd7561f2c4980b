// Dataset manifests of nightly runs: a JSON object in the bucket naming the items inline or in a JSON Lines object.
import { LeanFleetError } from "../../services/core/index.js";
import { z } from "zod";
import {
  JOB_DEFAULTS,
  jobRequestSchema,
  verifyFieldsShape,
  type JobRequest,
  type VerifyFields,
} from "../../services/jobs/index.js";
import type { ObjectStore } from "../../services/core/index.js";

/** One dataset item: a stable id (the diff between runs is keyed by it) and what to check. */
export const datasetItemSchema = z
  .strictObject({
    /** Stable item id, e.g. "mathd_algebra_10". */
    id: z.string().min(1).max(256),
    /** Lean code to check as one command (shorthand for `request: {kind: "command", code}`). */
    code: z.string().max(JOB_DEFAULTS.maxInputBytes).optional(),
    /** A full job request (command, file or tactic). */
    request: jobRequestSchema.optional(),
    /** Problem id grouping candidates (pass@k). */
    group: z.string().min(1).max(256).optional(),
    /** Per-item timeout. @default - the manifest's timeoutMs */
    timeoutMs: z.number().int().min(100).max(JOB_DEFAULTS.maxTimeoutMs).optional(),
    /** What to verify: the problem's statement, theorems, permitted axioms, trust level (see services/jobs/checks.ts). */
    ...verifyFieldsShape,
  })
  .refine((i) => (i.code === undefined) !== (i.request === undefined), {
    error: 'give exactly one of "code" or "request"',
  });

/** A dataset manifest as stored in S3. */
export const datasetManifestSchema = z
  .strictObject({
    /** Dataset name, e.g. "minif2f-valid". */
    name: z.string().min(1).max(128),
    /** Default per-item timeout. @default 60000 */
    timeoutMs: z.number().int().min(100).max(JOB_DEFAULTS.maxTimeoutMs).default(JOB_DEFAULTS.timeoutMs),
    /** Items inline (small datasets). */
    items: z.array(z.unknown()).optional(),
    /** Key of a JSON Lines object in the same bucket, one item per line (large datasets). */
    itemsKey: z.string().min(1).max(1024).optional(),
  })
  .refine((m) => (m.items === undefined) !== (m.itemsKey === undefined), {
    error: 'give exactly one of "items" or "itemsKey"',
  });

/** A dataset item, resolved to a job request. */
export interface DatasetItem {
  id: string;
  request: JobRequest;
  group?: string;
  timeoutMs: number;
  /** What to verify beyond errors and sorries, as the item gives it. */
  verify?: VerifyFields;
}

/** A loaded dataset. */
export interface Dataset {
  name: string;
  items: DatasetItem[];
}

/** The verify fields an item sets (none when it sets none). */
function verifyOf(item: VerifyFields): { verify?: VerifyFields } {
  const v: VerifyFields = {
    ...(item.statement !== undefined ? { statement: item.statement } : {}),
    ...(item.theorems !== undefined ? { theorems: item.theorems } : {}),
    ...(item.permittedAxioms !== undefined ? { permittedAxioms: item.permittedAxioms } : {}),
    ...(item.verify !== undefined ? { verify: item.verify } : {}),
  };
  return Object.keys(v).length === 0 ? {} : { verify: v };
}

/** A manifest or item that cannot be used; the message names the key, the line or item, the field and the fix. */
export class DatasetError extends LeanFleetError {
  constructor(message: string, options?: ErrorOptions) {
    super("invalid_dataset", message, {}, options);
  }
}

function issues(err: z.ZodError): string {
  return err.issues.map((i) => `${i.path.length ? i.path.join(".") + ": " : ""}${i.message}`).join("; ");
}

/** Parse items (already JSON-decoded) into resolved items; `where(i)` names item i in errors. Ids must be unique. */
export function parseItems(
  raw: readonly unknown[],
  defaultTimeoutMs: number,
  where: (i: number) => string,
): DatasetItem[] {
  const seen = new Set<string>();
  return raw.map((value, i) => {
    const r = datasetItemSchema.safeParse(value);
    if (!r.success) throw new DatasetError(`${where(i)}: ${issues(r.error)}`);
    const item = r.data;
    if (seen.has(item.id))
      throw new DatasetError(
        `${where(i)}: id "${item.id}" appears twice; item ids must be unique (runs are compared by id)`,
      );
    seen.add(item.id);
    return {
      id: item.id,
      request: item.request ?? { kind: "command", code: item.code! },
      ...(item.group === undefined ? {} : { group: item.group }),
      timeoutMs: item.timeoutMs ?? defaultTimeoutMs,
      ...verifyOf(item),
    };
  });
}

/** Read a manifest (and its JSON Lines items) from the store. */
export async function loadDataset(store: ObjectStore, manifestKey: string): Promise<Dataset> {
  const text = await store.get(manifestKey);
  if (text === undefined)
    throw new DatasetError(
      `dataset manifest s3://…/${manifestKey} does not exist; upload it or fix manifestKey in the deployment config`,
    );
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new DatasetError(`${manifestKey} is not valid JSON (${(e as Error).message})`);
  }
  const m = datasetManifestSchema.safeParse(json);
  if (!m.success) throw new DatasetError(`${manifestKey}: ${issues(m.error)}`);
  const { name, timeoutMs, items, itemsKey } = m.data;
  if (items) return { name, items: parseItems(items, timeoutMs, (i) => `${manifestKey} items[${i}]`) };
  const lines = await store.get(itemsKey!);
  if (lines === undefined)
    throw new DatasetError(
      `${manifestKey}: itemsKey ${itemsKey} does not exist; upload the JSON Lines file or fix itemsKey`,
    );
  const raw: unknown[] = [];
  const lineOf: number[] = [];
  lines.split("\n").forEach((line, n) => {
    if (line.trim() === "") return;
    try {
      raw.push(JSON.parse(line));
      lineOf.push(n + 1);
    } catch (e) {
      throw new DatasetError(`${itemsKey} line ${n + 1} is not valid JSON (${(e as Error).message})`);
    }
  });
  if (raw.length === 0) throw new DatasetError(`${itemsKey} holds no items; add one JSON object per line`);
  return { name, items: parseItems(raw, timeoutMs, (i) => `${itemsKey} line ${lineOf[i]}`) };
}
