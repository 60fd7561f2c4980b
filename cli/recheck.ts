// What `leanfleet recheck` does apart from the network: read a results file, select the results to re-check (all,
// the valid ones, or those whose environment an advisory affects), find each one's item in the dataset it came from,
// and diff the verdicts of two runs, naming both environments.
import { readFile } from "node:fs/promises";
import type { BatchItemInput } from "../services/client/index.js";
import { UsageError } from "../services/core/index.js";
import { matchingAdvisories, type Advisory, type EnvironmentRecord } from "../services/environment/index.js";
import { ResultsFileError } from "../services/report/index.js";

/** The fields of a results-file line that recheck reads. */
export interface RecheckedResult {
  jobId: string;
  index?: number | null;
  id?: string;
  group?: string;
  status: string;
  verdict: "valid" | "invalid" | "none";
  env?: string;
  advisories?: string[];
  trust?: string;
}

/** Read a results file (JSON Lines as eval writes it); a damaged line is an error naming it. */
export async function readResultsFile(path: string): Promise<RecheckedResult[]> {
  const text = await readFile(path, "utf8");
  return text
    .split("\n")
    .map((line, n) => ({ line, n }))
    .filter(({ line }) => line.trim() !== "")
    .map(({ line, n }) => {
      try {
        return JSON.parse(line) as RecheckedResult;
      } catch (err) {
        throw new ResultsFileError(`${path}:${n + 1} is not a JSON result (${(err as Error).message})`, { cause: err });
      }
    });
}

/**
 * The results to re-check: with `onlyValid` the accepted ones; with `advisories` exactly those whose environment
 * (its record, fetched by `record`) an advisory of the list affects, or that carry an advisory id already.
 */
export async function selectResults(
  results: readonly RecheckedResult[],
  o: {
    onlyValid?: boolean;
    advisories?: readonly Advisory[];
    record?: (id: string) => Promise<EnvironmentRecord | undefined>;
  },
): Promise<{ selected: RecheckedResult[]; affected: Map<string, string[]> }> {
  let selected = o.onlyValid ? results.filter((r) => r.verdict === "valid") : [...results];
  const affected = new Map<string, string[]>();
  if (o.advisories) {
    for (const env of new Set(selected.map((r) => r.env).filter((e): e is string => e !== undefined))) {
      const record = await o.record?.(env);
      const ids = record ? matchingAdvisories(record, o.advisories) : [];
      if (ids.length > 0) affected.set(env, ids);
    }
    selected = selected.filter((r) => (r.env !== undefined && affected.has(r.env)) || (r.advisories ?? []).length > 0);
  }
  return { selected, affected };
}

/** The dataset item of each selected result: by its `index` in the dataset, else by its `id`. */
export function itemsFor(
  selected: readonly RecheckedResult[],
  dataset: readonly BatchItemInput[],
  datasetPath: string,
): BatchItemInput[] {
  const byId = new Map<string, BatchItemInput>();
  for (const item of dataset) if (typeof item.id === "string") byId.set(item.id, item);
  return selected.map((r) => {
    const item = typeof r.index === "number" ? dataset[r.index] : r.id !== undefined ? byId.get(r.id) : undefined;
    if (item === undefined)
      throw new UsageError(
        `result ${r.jobId}${r.id ? ` (id ${JSON.stringify(r.id)})` : ""} has no item in ${datasetPath} (index ${r.index ?? "none"}); pass the dataset the run evaluated`,
      );
    return item;
  });
}

/** One line of the diff: an item whose verdict changed between the two runs. */
export interface VerdictChange {
  id: string | null;
  index: number | null;
  group: string | null;
  before: {
    verdict: string;
    status: string;
    env: string | null;
    jobId: string;
    advisories?: string[];
  };
  after: { verdict: string; status: string; env: string | null; jobId: string };
}

/** The items whose verdict differs (`before[i]` was re-checked as `after[i]`). */
export function verdictChanges(before: readonly RecheckedResult[], after: readonly RecheckedResult[]): VerdictChange[] {
  const out: VerdictChange[] = [];
  before.forEach((b, i) => {
    const a = after[i];
    if (a === undefined || a.verdict === b.verdict) return;
    out.push({
      id: b.id ?? null,
      index: typeof b.index === "number" ? b.index : null,
      group: b.group ?? null,
      before: {
        verdict: b.verdict,
        status: b.status,
        env: b.env ?? null,
        jobId: b.jobId,
        ...(b.advisories?.length ? { advisories: b.advisories } : {}),
      },
      after: {
        verdict: a.verdict,
        status: a.status,
        env: a.env ?? null,
        jobId: a.jobId,
      },
    });
  });
  return out;
}
