// What the report reads from a result: the fields of a results-file line (a stored result, plus `index` in `leanfleet
// eval`'s files), with the optional `id`, `trust`, `checks` and `env` that newer results carry; and the file's parser.
import { LeanFleetError } from "../core/index.js";
import { z } from "zod";
import { JOB_STATUSES } from "../jobs/index.js";

const lineSchema = z.looseObject({
  group: z.string().optional(),
  status: z.enum(JOB_STATUSES),
  verdict: z.enum(["valid", "invalid", "none"]),
  timings: z.looseObject({
    runMs: z.number(),
    queuedMs: z.number(),
    submittedAt: z.string().optional(),
    finishedAt: z.string().optional(),
  }),
  simulated: z.boolean(),
  error: z.looseObject({ message: z.string() }).optional(),
  response: z.unknown().optional(),
  /** The item's position in the dataset (`leanfleet eval` adds it). */
  index: z.number().int().nullable().optional(),
  /** The dataset's own id of the item, where results carry it. */
  id: z.union([z.string(), z.number()]).optional(),
  /** Trust level of the verdict (`fast`, `strict`), where results carry it. */
  trust: z.unknown().optional(),
  /** Checks behind the verdict (array of `{name, ok, reason}` or a record by name), where results carry them. */
  checks: z.unknown().optional(),
  /** Id of the environment that produced the result, where results carry it. */
  env: z.unknown().optional(),
});

/** One result as the report reads it. */
export type ReportResult = z.infer<typeof lineSchema>;

/** A results file that cannot be read; the message names the line and the fix. */
export class ResultsFileError extends LeanFleetError {
  constructor(message: string, options?: ErrorOptions) {
    super("results_file", message, {}, options);
  }
}

/** One stored result's text as the report reads it, or undefined when it is not JSON or not a result. */
export function readResultLine(text: string): ReportResult | undefined {
  try {
    const parsed = lineSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Parse a results file (JSON Lines of results). Blank lines are ignored; a last line cut off mid-write (no newline
 * after it, not JSON) is dropped with a warning, as `eval --resume` does; any other bad line is an error.
 */
export function parseResults(text: string, name: string): { results: ReportResult[]; warnings: string[] } {
  const results: ReportResult[] = [];
  const warnings: string[] = [];
  const lines = text.split("\n");
  const cutOff = !text.endsWith("\n");
  lines.forEach((line, n) => {
    if (line.trim() === "") return;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch (err) {
      if (cutOff && n === lines.length - 1) {
        warnings.push(`${name}:${n + 1}: last line cut off (not JSON), ignored`);
        return;
      }
      throw new ResultsFileError(`${name}:${n + 1} is not JSON (${(err as Error).message}); fix or delete that line`);
    }
    const parsed = lineSchema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new ResultsFileError(
        `${name}:${n + 1} is not a LeanFleet result: ${issue.path.join(".") || "(line)"}: ${issue.message}; is this a results file (leanfleet eval --out)?`,
      );
    }
    results.push(parsed.data);
  });
  return { results, warnings };
}
