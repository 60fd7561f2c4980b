// `leanfleet eval --resume`: an eval stopped with Ctrl-C (the real CLI as a child process) and a results file cut off
// mid-line continue into the same file without resubmitting; a changed dataset or a missing state is refused.
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serveApi, type ApiServer } from "../../functions/api/index.js";
import { jobSchema } from "../../services/jobs/index.js";
import { statePath } from "../../cli/eval-state.js";
import { memoryApp, writeResult } from "../api/helpers/api-env.js";
import { runCli } from "./helpers/run-cli.js";

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const ITEMS = 12;

describe("leanfleet eval --resume", () => {
  let server: ApiServer;
  let dir: string;
  let stop = false;
  let worker: Promise<void>;
  /** Jobs the scripted worker may still run (the test opens the gate). */
  let allowance = 0;
  const ran: string[] = [];

  beforeAll(async () => {
    const env = memoryApp({ simulated: true });
    server = await serveApi(env.app, { port: 0 });
    dir = mkdtempSync(join(tmpdir(), "leanfleet-resume-"));
    worker = (async () => {
      while (!stop) {
        if (allowance <= 0) {
          await new Promise((r) => setTimeout(r, 20));
          continue;
        }
        for (const m of await env.queue.receive(Math.min(10, allowance), 0.1)) {
          const job = jobSchema.parse(JSON.parse(m.body));
          const good = job.request.kind === "command" && job.request.code.includes("good");
          await writeResult(env.store, job.id, {
            status: good ? "ok" : "lean_error",
            verdict: good ? "valid" : "invalid",
            ...(job.group ? { group: job.group } : {}),
          });
          await env.queue.ack(m.receipt);
          ran.push(job.id);
          allowance--;
        }
      }
    })();
  });

  afterAll(async () => {
    stop = true;
    await worker;
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const run = (...args: string[]) => runCli(server.url, ...args);

  const lines = (path: string) =>
    readFileSync(path, "utf8")
      .split("\n")
      .filter((l) => l !== "");

  it("GIVEN an eval stopped half-way and a line cut off WHEN run with --resume THEN the rest is appended, nothing resubmitted, and the summary covers every item", async () => {
    const ds = join(dir, "set.jsonl");
    // Ordered by problem, with early stop: submitted round-robin across groups, so seqs are not in dataset order.
    writeFileSync(
      ds,
      Array.from({ length: ITEMS }, (_, i) =>
        JSON.stringify({
          code: `theorem t${i} : True := ${i % 3 === 0 ? "good" : "bad"}`,
          group: `p${Math.floor(i / 3)}`,
        }),
      ).join("\n") + "\n",
    );
    const out = join(dir, "set.results.jsonl");

    allowance = 5;
    const first = execa(
      process.execPath,
      [
        join(REPO, "bin/leanfleet.js"),
        "--endpoint",
        server.url,
        "eval",
        ds,
        "--out",
        out,
        "--no-progress",
        "--early-stop",
      ],
      {
        cwd: dir,
        reject: false,
        env: { LEANFLEET_API_KEY: "" },
        timeout: 60_000,
      },
    );
    for (let i = 0; i < 600 && !(existsSync(out) && lines(out).length >= 5); i++)
      await new Promise((r) => setTimeout(r, 50));
    expect(lines(out)).toHaveLength(5);
    expect(existsSync(statePath(out))).toBe(true);
    first.kill("SIGINT");
    const stopped = await first;
    expect(stopped.exitCode, stopped.stderr).toBe(130);
    expect(stopped.stderr).toContain(`--out ${out} --resume`);
    appendFileSync(out, '{"jobId":"b_cut-off-by-a-cra'); // a crash in the middle of a write

    allowance = Number.POSITIVE_INFINITY;
    const resumed = await run("eval", ds, "--out", out, "--resume", "--no-progress");
    expect(resumed.thrown).toBeUndefined();
    expect(resumed.code, resumed.err.join("\n")).toBe(0);
    expect(resumed.err.join("\n")).toMatch(/resuming batch b_\S+: 5 of 12 results already in/);

    const results = lines(out).map((l) => JSON.parse(l) as { jobId: string; index: number; verdict: string });
    expect(results).toHaveLength(ITEMS);
    expect(results.map((r) => r.index).sort((a, b) => a - b)).toEqual(Array.from({ length: ITEMS }, (_, i) => i));
    expect(new Set(results.map((r) => r.jobId)).size).toBe(ITEMS);
    expect(ran).toHaveLength(ITEMS); // every item ran once: the resumed run submitted nothing
    expect(
      results
        .filter((r) => r.verdict === "valid")
        .map((r) => r.index)
        .sort((a, b) => a - b),
    ).toEqual([0, 3, 6, 9]);
    // The summary counts the results of both runs.
    expect(resumed.out.join("\n")).toContain("items: 12, valid: 4 (");
    expect(resumed.out.join("\n")).toContain("pass@k by group: 4/4 groups passed");
    expect(existsSync(statePath(out))).toBe(false); // finished: nothing left to resume
  }, 90_000);

  it("refuses --resume without a state file, or with a changed dataset, saying what to do", async () => {
    const ds = join(dir, "other.jsonl");
    writeFileSync(ds, JSON.stringify({ code: "theorem a : True := good" }) + "\n");
    const out = join(dir, "other.results.jsonl");
    const missing = await run("eval", ds, "--out", out, "--resume", "--no-progress");
    expect(missing.thrown?.message).toMatch(
      /nothing to resume: .*other\.results\.jsonl\.state\.json does not exist.*run without --resume/,
    );

    writeFileSync(
      statePath(out),
      JSON.stringify({
        v: 1,
        batchId: "b_x",
        datasetSha256: "0".repeat(64),
        items: 1,
        seqRuns: [[0, 0, 1]],
        endpoint: server.url,
      }),
    );
    const changed = await run("eval", ds, "--out", out, "--resume", "--no-progress");
    expect(changed.thrown?.message).toMatch(
      /the dataset changed since batch b_x was submitted.*resume with the same dataset, or run without --resume/,
    );
  });
});
