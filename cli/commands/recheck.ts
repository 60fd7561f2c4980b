// `leanfleet recheck RESULTS.jsonl --fleet NAME`: re-submit the items of a results file (all, --only valid, or the
// ones an advisory affects) to another fleet, and write the items whose verdict changed, naming both environments.
import { readFile, writeFile } from "node:fs/promises";
import type { Command } from "commander";
import type { LeanFleetClient } from "../../services/client/index.js";
import { UsageError } from "../../services/core/index.js";
import { parseAdvisories, SHIPPED_ADVISORIES, type EnvironmentRecord } from "../../services/environment/index.js";
import type { JobResult } from "../../services/jobs/index.js";
import { connect, type ConnectionOptions } from "../connection.js";
import { readDataset } from "../dataset.js";
import { itemsFor, readResultsFile, selectResults, verdictChanges, type RecheckedResult } from "../recheck.js";
import type { CliIo } from "../io.js";

/** Options of `recheck`, as commander parses them. */
interface RecheckOptions {
  fleet: string;
  only?: string;
  advisories?: boolean;
  advisoryFile?: string;
  dataset?: string;
  out?: string;
}

/** What `recheck` does, its flags checked. */
interface RecheckPlan {
  resultsPath: string;
  fleet: string;
  dataset: string;
  onlyValid: boolean;
  advisories: boolean;
  advisoryFile?: string;
  /** The diff file. */
  out: string;
}

const envsOf = (rs: readonly { env?: string | undefined }[]) =>
  [...new Set(rs.map((r) => r.env ?? "unknown"))].sort().join(", ") || "none";

/** Register `recheck`. */
export function registerRecheck(program: Command, io: CliIo): void {
  program
    .command("recheck")
    .description(
      "re-check the items of a results file on another fleet and write the items whose verdict changed, naming both environments",
    )
    .argument("<results>", "a results file written by eval (JSON Lines)")
    .requiredOption("--fleet <name>", "the fleet (environment) to re-check on")
    .option(
      "--dataset <file>",
      "the dataset the run evaluated (results do not carry the code; items are found by index, else id)",
    )
    .option("--only <which>", 'only "valid": re-check just the accepted proofs')
    .option("--advisories", "only the results whose environment an advisory affects (advisories/lean-advisories.json)")
    .option("--advisory-file <file>", "with --advisories: this advisory list instead of the shipped one")
    .option("--out <file>", "the diff, JSON Lines (default: <results without .jsonl>.recheck.jsonl)")
    .action(async (resultsPath: string, opts: RecheckOptions, cmd: Command) =>
      runRecheck(planRecheck(resultsPath, opts), connect(cmd.optsWithGlobals<ConnectionOptions>()), io),
    );
}

/** Check the flags of `recheck` and resolve their defaults. */
function planRecheck(resultsPath: string, opts: RecheckOptions): RecheckPlan {
  if (opts.only !== undefined && opts.only !== "valid")
    throw new UsageError(`--only must be "valid", got ${JSON.stringify(opts.only)}`);
  if (!opts.dataset)
    throw new UsageError(
      "--dataset is required: a results file carries ids and verdicts, not the code; pass the dataset the run evaluated",
    );
  return {
    resultsPath,
    fleet: opts.fleet,
    dataset: opts.dataset,
    onlyValid: opts.only === "valid",
    advisories: opts.advisories ?? false,
    ...(opts.advisoryFile ? { advisoryFile: opts.advisoryFile } : {}),
    out: opts.out ?? `${resultsPath.replace(/\.jsonl?$/i, "")}.recheck.jsonl`,
  };
}

/** Select the results to re-check, re-check them on the fleet and write the diff. */
async function runRecheck(plan: RecheckPlan, client: LeanFleetClient, io: CliIo): Promise<void> {
  const results = await readResultsFile(plan.resultsPath);
  const advisories = plan.advisories
    ? plan.advisoryFile
      ? parseAdvisories(await readFile(plan.advisoryFile, "utf8"), plan.advisoryFile)
      : SHIPPED_ADVISORIES
    : undefined;
  const { selected, affected } = await selectResults(results, {
    ...(plan.onlyValid ? { onlyValid: true } : {}),
    ...(advisories ? { advisories } : {}),
    record: async (id) => (await client.environment(id).catch(() => undefined)) as EnvironmentRecord | undefined,
  });
  for (const [env, ids] of affected) io.err(`${env} is affected by ${ids.join(", ")}`);
  if (selected.length === 0) {
    await writeFile(plan.out, "");
    io.out(
      `nothing to re-check in ${plan.resultsPath} (${results.length} results${plan.onlyValid ? ", none valid" : ""}${plan.advisories ? ", none in an environment an advisory affects" : ""}); empty diff in ${plan.out}`,
    );
    return;
  }
  const { batchId, after } = await recheckOnFleet(plan, client, selected);
  const changes = verdictChanges(selected, after);
  await writeFile(plan.out, changes.map((c) => JSON.stringify(c)).join("\n") + (changes.length ? "\n" : ""));
  const flips = (from: string, to: string) =>
    changes.filter((c) => c.before.verdict === from && c.after.verdict === to).length;
  io.out(
    `rechecked ${selected.length} items from environment ${envsOf(selected)} on fleet ${plan.fleet} (environment ${envsOf(after.filter(Boolean))}, batch ${batchId}): ` +
      `${changes.length} changed verdict (valid -> invalid ${flips("valid", "invalid")}, invalid -> valid ${flips("invalid", "valid")}); diff in ${plan.out}`,
  );
  if (after.some((r) => r && (r as { simulated?: boolean }).simulated))
    io.err("SIMULATED: the re-check ran on the REPL double; its verdicts are not Lean verdicts.");
}

/** Submit the selected results' dataset items (keeping their groups) as one batch; `after[i]` re-checks `selected[i]`. */
async function recheckOnFleet(
  plan: RecheckPlan,
  client: LeanFleetClient,
  selected: RecheckedResult[],
): Promise<{ batchId: string; after: RecheckedResult[] }> {
  const { items } = await readDataset(plan.dataset);
  const toSend = itemsFor(selected, items, plan.dataset).map((item, i) => ({
    ...item,
    ...(selected[i]!.group !== undefined ? { group: selected[i]!.group } : {}),
  }));
  const sub = await client.submitBatch(toSend, { fleet: plan.fleet });
  const seqToPos = new Map(sub.seqs.map((seq, i) => [seq, i]));
  const after: RecheckedResult[] = new Array(selected.length);
  for await (const r of client.results(sub.batchId)) {
    const seq = Number(r.jobId.slice(r.jobId.lastIndexOf(".") + 1));
    const pos = seqToPos.get(seq);
    if (pos !== undefined) after[pos] = r as JobResult as RecheckedResult;
  }
  return { batchId: sub.batchId, after };
}
