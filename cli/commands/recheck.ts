// `leanfleet recheck RESULTS.jsonl --fleet NAME`: re-submit the items of a results file (all, --only valid, or the
// ones an advisory affects) to another fleet, and write the items whose verdict changed, naming both environments.
import { readFile, writeFile } from "node:fs/promises";
import type { Command } from "commander";
import { parseAdvisories, SHIPPED_ADVISORIES, type EnvironmentRecord } from "../../services/environment/index.js";
import type { JobResult } from "../../services/jobs/index.js";
import { connect, type ConnectionOptions } from "../connection.js";
import { readDataset } from "../dataset.js";
import { itemsFor, readResultsFile, selectResults, verdictChanges, type RecheckedResult } from "../recheck.js";

interface RecheckOptions {
  fleet: string;
  only?: string;
  advisories?: boolean;
  advisoryFile?: string;
  dataset?: string;
  out?: string;
}

const envsOf = (rs: readonly { env?: string | undefined }[]) =>
  [...new Set(rs.map((r) => r.env ?? "unknown"))].sort().join(", ") || "none";

/** Register `recheck`. */
export function registerRecheck(program: Command, io: { out: (s: string) => void; err: (s: string) => void }): void {
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
    .action(async (resultsPath: string, opts: RecheckOptions, cmd: Command) => {
      if (opts.only !== undefined && opts.only !== "valid")
        throw new Error(`--only must be "valid", got ${JSON.stringify(opts.only)}`);
      if (!opts.dataset)
        throw new Error(
          "--dataset is required: a results file carries ids and verdicts, not the code; pass the dataset the run evaluated",
        );
      const client = connect(cmd.optsWithGlobals<ConnectionOptions>());
      const results = await readResultsFile(resultsPath);
      const advisories = opts.advisories
        ? opts.advisoryFile
          ? parseAdvisories(await readFile(opts.advisoryFile, "utf8"), opts.advisoryFile)
          : SHIPPED_ADVISORIES
        : undefined;
      const { selected, affected } = await selectResults(results, {
        ...(opts.only === "valid" ? { onlyValid: true } : {}),
        ...(advisories ? { advisories } : {}),
        record: async (id) => (await client.environment(id).catch(() => undefined)) as EnvironmentRecord | undefined,
      });
      for (const [env, ids] of affected) io.err(`${env} is affected by ${ids.join(", ")}`);
      const out = opts.out ?? `${resultsPath.replace(/\.jsonl?$/i, "")}.recheck.jsonl`;
      if (selected.length === 0) {
        await writeFile(out, "");
        io.out(
          `nothing to re-check in ${resultsPath} (${results.length} results${opts.only ? ", none valid" : ""}${opts.advisories ? ", none in an environment an advisory affects" : ""}); empty diff in ${out}`,
        );
        return;
      }
      const { items } = await readDataset(opts.dataset);
      const toSend = itemsFor(selected, items, opts.dataset).map((item, i) => ({
        ...item,
        ...(selected[i]!.group !== undefined ? { group: selected[i]!.group } : {}),
      }));
      const sub = await client.submitBatch(toSend, { fleet: opts.fleet });
      const seqToPos = new Map(sub.seqs.map((seq, i) => [seq, i]));
      const after: RecheckedResult[] = new Array(selected.length);
      for await (const r of client.results(sub.batchId)) {
        const seq = Number(r.jobId.slice(r.jobId.lastIndexOf(".") + 1));
        const pos = seqToPos.get(seq);
        if (pos !== undefined) after[pos] = r as JobResult as RecheckedResult;
      }
      const changes = verdictChanges(selected, after);
      await writeFile(out, changes.map((c) => JSON.stringify(c)).join("\n") + (changes.length ? "\n" : ""));
      const flips = (from: string, to: string) =>
        changes.filter((c) => c.before.verdict === from && c.after.verdict === to).length;
      io.out(
        `rechecked ${selected.length} items from environment ${envsOf(selected)} on fleet ${opts.fleet} (environment ${envsOf(after.filter(Boolean))}, batch ${sub.batchId}): ` +
          `${changes.length} changed verdict (valid -> invalid ${flips("valid", "invalid")}, invalid -> valid ${flips("invalid", "valid")}); diff in ${out}`,
      );
      if (after.some((r) => r && (r as { simulated?: boolean }).simulated))
        io.err("SIMULATED: the re-check ran on the REPL double; its verdicts are not Lean verdicts.");
    });
}
