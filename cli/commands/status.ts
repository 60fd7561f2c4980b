// `leanfleet status [BATCH_ID]`: the API's fleets (queue depth, worker tasks), or one batch's progress.
import type { Command } from "commander";
import { connect, type ConnectionOptions } from "../connection.js";
import { trustLines } from "../eval-summary.js";
import type { CliIo } from "../io.js";

/** Register `status`. */
export function registerStatus(program: Command, io: CliIo): void {
  program
    .command("status")
    .description("show fleets (queue depth, worker tasks, environments) or, given a batch id, its progress")
    .argument("[batchId]", "a batch id returned by eval or POST /v1/batches")
    .option("--json", "print JSON")
    .action(async (batchId: string | undefined, opts: { json?: boolean }, cmd: Command) => {
      const client = connect(cmd.optsWithGlobals<ConnectionOptions>());
      if (batchId) {
        const p = await client.progress(batchId);
        if (opts.json) return io.out(JSON.stringify(p, null, 2));
        if (p.simulated) io.out("SIMULATED: results of this batch come from the REPL double, not from Lean.");
        io.out(
          `batch ${p.batchId} on ${p.fleet}${p.earlyStop ? " (early stop)" : ""}: ${p.done}/${p.total} done, ${p.valid} valid, ${p.ratePerSecond}/s${p.complete ? ", complete" : ""}`,
        );
        io.out(
          `  ${Object.entries(p.byStatus)
            .map(([s, n]) => `${s} ${n}`)
            .join(", ")}`,
        );
        for (const line of trustLines(p.byTrust)) io.out(`  ${line}`);
        return;
      }
      const [health, cluster] = await Promise.all([client.health(), client.cluster()]);
      if (opts.json) return io.out(JSON.stringify({ endpoint: client.endpoint, health, cluster }, null, 2));
      io.out(
        `LeanFleet API ${client.endpoint}: ${health.ok ? "ok" : "NOT OK"}${health.version ? ` (v${health.version})` : ""}`,
      );
      if (cluster.simulated) io.out("SIMULATED: workers run the REPL double; results are not Lean verdicts.");
      for (const f of cluster.fleets) {
        const q =
          "error" in f.queue
            ? `queue error: ${f.queue.error}`
            : `queue visible ${f.queue.visible}, in flight ${f.queue.inFlight}${f.queue.oldestAgeSeconds !== null ? `, oldest ${f.queue.oldestAgeSeconds} s` : ""}`;
        const t =
          f.tasks === null
            ? "tasks unknown"
            : "error" in f.tasks
              ? `tasks error: ${f.tasks.error}`
              : `tasks desired ${f.tasks.desired}, running ${f.tasks.running}, pending ${f.tasks.pending}`;
        const d =
          f.deadLettered === undefined
            ? ""
            : "error" in f.deadLettered
              ? `; dead-lettered: error ${f.deadLettered.error}`
              : `; dead-lettered ${f.deadLettered.count}${f.deadLettered.atLeast ? "+" : ""}`;
        io.out(`  ${f.fleet}${f.default ? " (default)" : ""}: ${q}; ${t}${d}`);
        const e = f.environments;
        if (e !== undefined) {
          if ("error" in e) io.out(`    environments: error ${e.error}`);
          else if (e.environments.length > 0)
            io.out(
              `    environments: ${e.environments.map((x) => `${x.id}${x.id === e.current ? " (current)" : ""}`).join(", ")} (records: GET /v1/environments/{id})`,
            );
        }
      }
    });
}
