// `leanfleet eval DATASET.jsonl`: submit a dataset as one batch, show live progress (rate, valid count, ETA), write
// the results as JSON Lines and print a summary (pass@k by group, time distribution, failures by status). With
// --resume, an interrupted evaluation continues collecting its batch's results into the same file (no resubmission).
// With --report, the run's HTML report is written beside the results. This module holds the flags; cli/eval-run.ts
// runs them.
import { basename } from "node:path";
import type { Command } from "commander";
import { UsageError } from "../../services/core/index.js";
import type { ConnectionOptions } from "../connection.js";
import { PROOF_FIELDS } from "../dataset.js";
import { runEval, type EvalPlan } from "../eval-run.js";
import type { CliIo } from "../io.js";

/** Options of `eval`, as commander parses them. */
export interface EvalOptions {
  out?: string;
  fleet?: string;
  earlyStop?: boolean;
  summaryOut?: string;
  progress: boolean;
  resume?: boolean;
  report?: boolean;
  allowEnvChange?: boolean;
  verify?: string;
  codeField?: string;
  idField?: string;
  statementField?: string;
  headerField?: string;
  proofField?: string;
}

/** Default results path for a dataset: `<name>.results.jsonl` in the current directory. */
export function defaultResultsPath(dataset: string): string {
  return `${basename(dataset).replace(/\.jsonl?$/i, "")}.results.jsonl`;
}

/** Check the flags of `eval` and resolve their defaults. */
export function planEval(dataset: string, opts: EvalOptions, connection: ConnectionOptions): EvalPlan {
  if (opts.verify !== undefined && opts.verify !== "fast" && opts.verify !== "strict") {
    throw new UsageError(`--verify must be "fast" or "strict", got ${JSON.stringify(opts.verify)}`);
  }
  return {
    dataset,
    outPath: opts.out ?? defaultResultsPath(dataset),
    fields: {
      ...(opts.codeField ? { code: opts.codeField } : {}),
      ...(opts.idField ? { id: opts.idField } : {}),
      ...(opts.statementField ? { statement: opts.statementField } : {}),
      ...(opts.headerField ? { header: opts.headerField } : {}),
      ...(opts.proofField ? { proof: opts.proofField } : {}),
    },
    ...(opts.fleet ? { fleet: opts.fleet } : {}),
    earlyStop: opts.earlyStop ?? false,
    ...(opts.verify ? { verify: opts.verify } : {}),
    show: opts.progress !== false,
    resume: opts.resume ?? false,
    allowEnvChange: opts.allowEnvChange ?? false,
    ...(opts.summaryOut ? { summaryOut: opts.summaryOut } : {}),
    report: opts.report ?? false,
    connection,
  };
}

/** Register `eval`. */
export function registerEval(program: Command, io: CliIo): void {
  program
    .command("eval")
    .description(
      "evaluate a dataset as one batch: JSON Lines of {code|file|tactic+proofState, group?, id?, meta?, statement?}, or prover datasets as they ship ({name, split, header, formal_statement, proof|formal_proof|output|completion}); writes results JSONL and prints a summary",
    )
    .argument("<dataset>", "a .jsonl file")
    .option("--out <file>", "results JSON Lines (default: <dataset>.results.jsonl in the current directory)")
    .option("--fleet <name>", "fleet (Lean environment)")
    .option(
      "--early-stop",
      "skip the remaining items of a group once one is valid (items are then submitted round-robin across groups)",
    )
    .option(
      "--verify <level>",
      'trust level of the items that name none: "fast" (default) or "strict" (needs a statement)',
    )
    .option("--code-field <field>", "field with the whole Lean code (default: code; else header + statement + proof)")
    .option(
      "--id-field <field>",
      "field with the item's id, returned as id in its result and the default group (default: id, else name)",
    )
    .option(
      "--statement-field <field>",
      "field with the formal statement, sent with the header as statement so the proof must prove it (default: formal_statement)",
    )
    .option("--header-field <field>", "field with the import header before the statement (default: header)")
    .option(
      "--proof-field <field>",
      `field with the proof completing the statement (default: the first of ${PROOF_FIELDS.join(", ")})`,
    )
    .option("--summary-out <file>", "also write the summary as JSON")
    .option("--no-progress", "no progress bar")
    .option(
      "--report",
      "also write the run's HTML report beside the results (<results without .results.jsonl>.report.html)",
    )
    .option(
      "--resume",
      "continue an interrupted eval of the same dataset and --out: collect the rest of its batch's results (nothing is resubmitted)",
    )
    .option(
      "--allow-env-change",
      "with --resume: continue even though the fleet now runs another environment than the results so far (pass@k is then given per environment)",
    )
    .action(async (dataset: string, opts: EvalOptions, cmd: Command) =>
      runEval(planEval(dataset, opts, cmd.optsWithGlobals<ConnectionOptions>()), io),
    );
}
