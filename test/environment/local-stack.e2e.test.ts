// Through the local stack on the REPL double: every result (single job, batch item, eval, Kimina's /api/check)
// carries env; GET /v1/environments/{id} serves the double's record (simulated); /v1/cluster and leanfleet status
// list each fleet's environments; the id is the same across a fleet's workers and restarts, and changes when the
// fleet restarts on another double --lean-version. An eval whose fleet changes version mid-run reports both
// environments with pass@k each, and --resume into the new environment refuses, naming both ids.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { execa } from "execa";
import { afterAll, describe, expect, it } from "vitest";
import type { LocalCluster } from "../../services/local-cluster/index.js";
import { runCli } from "../cli/helpers/run-cli.js";
import { currentEnvironment, getJson, jsonLines, startStack, until } from "./helpers.js";

const REPO = resolve(import.meta.dirname, "../..");
const dir = mkdtempSync(join(tmpdir(), "lf-env-e2e-"));
const dataDir = join(dir, "data");
const logDir = join(dir, "logs");
let cluster: LocalCluster | undefined;

afterAll(async () => {
  await cluster?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("environments through the local stack", () => {
  it(
    "GIVEN two fleets on two double versions WHEN jobs, a batch, an eval and Kimina calls run THEN every result carries its fleet's env, whose record is served",
    { timeout: 180_000 },
    async () => {
      cluster = await startStack(dataDir, logDir, { main: "4.19.0", next: "4.29.0-rc6" }, 2);
      const endpoint = cluster.endpoint!;
      const a = await currentEnvironment(endpoint, "main");
      const b = await currentEnvironment(endpoint, "next");
      expect(a).toMatch(/^env-[0-9a-f]{8}$/);
      expect(b).not.toBe(a);

      // Single jobs.
      const job = async (fleet: string) => {
        const res = await fetch(`${endpoint}/v1/jobs?wait=20`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({
            code: "theorem two : 1 + 1 = 2 := by rfl",
            fleet,
          }),
        });
        return ((await res.json()) as { result: { env?: string; verdict: string } }).result;
      };
      expect(await job("main")).toMatchObject({ env: a, verdict: "valid" });
      expect(await job("next")).toMatchObject({ env: b, verdict: "valid" });

      // The record: the double's own, simulated, with every piece (or the reason it is missing).
      const record = await getJson<Record<string, unknown>>(endpoint, `/v1/environments/${a}`);
      expect(record.status).toBe(200);
      expect(record.body).toMatchObject({
        id: a,
        simulated: true,
        lean: { version: "4.19.0" },
        project: { missing: expect.any(String) },
        repl: { flavor: "double" },
        tools: { comparator: { simulated: true } },
        image: null,
        leanfleet: { version: expect.any(String) },
      });
      expect((await getJson(endpoint, `/v1/environments/${b}`)).body).toMatchObject({
        lean: { version: "4.29.0-rc6" },
      });
      expect((await getJson(endpoint, "/v1/environments/env-00000000")).status).toBe(404);
      expect((await getJson(endpoint, "/v1/environments/latest")).status).toBe(400);
      expect(JSON.stringify((await getJson(endpoint, "/openapi.json")).body)).toContain("/v1/environments/{id}");

      // Batch items through eval: the results file and the summary name the environment.
      const ds = join(dir, "set.jsonl");
      writeFileSync(
        ds,
        Array.from({ length: 12 }, (_, i) =>
          JSON.stringify({
            group: `p${i % 4}`,
            code: i % 3 === 0 ? `theorem t${i} : 1 + 1 = 3 := by rfl` : `theorem t${i} : ${i} = ${i} := rfl`,
          }),
        ).join("\n") + "\n",
      );
      const out = join(dir, "set.results.jsonl");
      const ev = await runCli(
        endpoint,
        "eval",
        ds,
        "--out",
        out,
        "--no-progress",
        "--fleet",
        "main",
        "--summary-out",
        join(dir, "summary.json"),
      );
      expect(ev.thrown).toBeUndefined();
      const lines = jsonLines<{ env?: string; worker: string }>(out);
      expect(lines).toHaveLength(12);
      expect(new Set(lines.map((l) => l.env))).toEqual(new Set([a]));
      expect(ev.out.join("\n")).toContain(`environment: ${a}`);
      expect(JSON.parse(readFileSync(join(dir, "summary.json"), "utf8")).environments).toEqual([
        expect.objectContaining({ id: a, items: 12 }),
      ]);
      const batchId = /batch (b_\S+):/.exec(ev.out.join("\n"))![1]!;
      expect((await getJson(endpoint, `/v1/batches/${batchId}`)).body).toMatchObject({ environments: { [a]: 12 } });

      // Kimina's route: the answer carries env beside Kimina's fields.
      const kimina = await fetch(`${endpoint}/api/check`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          snippets: [{ id: "1", code: "theorem k : 2 = 2 := rfl" }],
          timeout: 20,
        }),
      });
      expect(((await kimina.json()) as { results: { env?: string }[] }).results[0]).toMatchObject({ env: a });

      // Both workers of a fleet computed the same id.
      const ready = readdirSync(logDir)
        .filter((f) => f.startsWith("worker-main-"))
        .map((f) => /"env":"(env-[0-9a-f]{8})"/.exec(readFileSync(join(logDir, f), "utf8"))?.[1]);
      expect(ready.length).toBeGreaterThanOrEqual(2);
      expect(new Set(ready)).toEqual(new Set([a]));

      // /v1/cluster and leanfleet status list them.
      const status = await runCli(endpoint, "status");
      expect(status.out.join("\n")).toContain(`environments: ${a} (current)`);
      expect(status.out.join("\n")).toContain(`environments: ${b} (current)`);
    },
  );

  it(
    "GIVEN the stack restarted WHEN on the same versions THEN the ids stay; WHEN main restarts on another version mid-eval THEN --resume refuses naming both, and with --allow-env-change the summary gives pass@k per environment",
    { timeout: 240_000 },
    async () => {
      const before = await currentEnvironment(cluster!.endpoint!, "main");
      await cluster!.close();
      cluster = await startStack(dataDir, logDir, {
        main: "4.19.0",
        next: "4.29.0-rc6",
      });
      const again = await fetch(`${cluster.endpoint}/v1/jobs?wait=20`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          code: "theorem r : 3 = 3 := rfl",
          fleet: "main",
        }),
      });
      expect(((await again.json()) as { result: { env?: string } }).result.env).toBe(before);

      // An eval of slow items, stopped after a few results; main then restarts on another Lean version.
      const ds = join(dir, "slow.jsonl");
      writeFileSync(
        ds,
        Array.from({ length: 24 }, (_, i) =>
          JSON.stringify({
            group: `p${i % 6}`,
            code: `-- @double sleep 250\ntheorem s${i} : ${i} = ${i} := rfl`,
          }),
        ).join("\n") + "\n",
      );
      const out = join(dir, "slow.results.jsonl");
      const first = execa(
        process.execPath,
        [
          join(REPO, "bin/leanfleet.js"),
          "--endpoint",
          cluster.endpoint!,
          "eval",
          ds,
          "--out",
          out,
          "--no-progress",
          "--fleet",
          "main",
        ],
        { reject: false, env: { LEANFLEET_API_KEY: "" }, timeout: 60_000 },
      );
      await until("a few results", () => existsSync(out) && readFileSync(out, "utf8").split("\n").length > 4);
      first.kill("SIGINT");
      expect((await first).exitCode).toBe(130);
      await cluster.close();
      cluster = await startStack(dataDir, logDir, {
        main: "4.22.0",
        next: "4.29.0-rc6",
      });
      const after = await currentEnvironment(cluster.endpoint!, "main", before);
      expect(after).not.toBe(before);

      const refused = await runCli(cluster.endpoint!, "eval", ds, "--out", out, "--no-progress", "--resume");
      expect(refused.thrown?.message).toContain(`come from environment ${before}, but fleet "main" now runs ${after}`);
      expect(refused.thrown?.message).toContain("--allow-env-change");

      const resumed = await runCli(
        cluster.endpoint!,
        "eval",
        ds,
        "--out",
        out,
        "--no-progress",
        "--resume",
        "--allow-env-change",
      );
      expect(resumed.thrown).toBeUndefined();
      const text = resumed.out.join("\n");
      expect(new Set(jsonLines<{ env: string }>(out).map((r) => r.env))).toEqual(new Set([before, after]));
      expect(text).toContain(`MIXED ENVIRONMENTS: these results come from 2 environments`);
      expect(text).toMatch(new RegExp(`environment ${before}: \\d+ items, valid \\d+ .*pass@1 `));
      expect(text).toMatch(new RegExp(`environment ${after}: \\d+ items, valid \\d+ .*pass@1 `));
    },
  );
});
