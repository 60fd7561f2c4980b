// `leanfleet check` and `leanfleet status` in-process against an API served on 127.0.0.1 with a scripted worker:
// compiler-style messages, the SIMULATED banner, exit codes; plus dataset and diagnostics helpers.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serveApi, type ApiServer } from "../../functions/api/index.js";
import { jobSchema, runningKey, type Job } from "../../services/jobs/index.js";
import { parseDataset } from "../../cli/dataset.js";
import { parseWorkers } from "../../cli/commands/up.js";
import { memoryApp, writeResult } from "../api/helpers/api-env.js";
import { runCli } from "./helpers/run-cli.js";

describe("leanfleet check / status", () => {
  let server: ApiServer;
  let dir: string;
  let stop = false;
  let worker: Promise<void>;
  const jobs: Job[] = [];

  beforeAll(async () => {
    const env = memoryApp({ simulated: true });
    server = await serveApi(env.app, { port: 0 });
    dir = mkdtempSync(join(tmpdir(), "leanfleet-check-"));
    // A scripted worker: code containing "sorry_free_error" gets an error message at line 2, column 4.
    worker = (async () => {
      while (!stop) {
        for (const m of await env.queue.receive(10, 0.2)) {
          const job = jobSchema.parse(JSON.parse(m.body));
          jobs.push(job);
          const content = job.request.kind === "file" ? job.request.content : "";
          const bad = content.includes("sorry_free_error");
          if (content.includes("slow_job")) {
            await env.store.put(runningKey(job.id), "{}");
            await new Promise((r) => setTimeout(r, 3_000));
          }
          if (content.includes("cheat")) {
            await writeResult(env.store, job.id, {
              status: "ok",
              verdict: "invalid",
              trust: "fast",
              checks: [
                { name: "errors", ok: true },
                { name: "sorries", ok: true },
                {
                  name: "axioms",
                  ok: false,
                  reason:
                    "t depends on axiom cheat, which is not permitted (permitted: propext, Classical.choice, Quot.sound)",
                },
                { name: "statement", ok: false, reason: "t does not have the statement's type" },
              ],
              response: { env: 0, messages: [] },
            });
            await env.queue.ack(m.receipt);
            continue;
          }
          await writeResult(env.store, job.id, {
            status: bad ? "lean_error" : "ok",
            verdict: bad ? "invalid" : "valid",
            response: bad
              ? {
                  env: 0,
                  messages: [
                    {
                      severity: "error",
                      pos: { line: 2, column: 4 },
                      endPos: null,
                      data: "unknown identifier 'sorry_free_error'\nsecond line",
                    },
                  ],
                }
              : {
                  env: 0,
                  messages: [{ severity: "info", pos: { line: 1, column: 0 }, endPos: null, data: "1 : Nat" }],
                },
          });
          await env.queue.ack(m.receipt);
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

  async function run(...args: string[]) {
    const r = await runCli(server.url, ...args);
    if (r.thrown) throw r.thrown;
    return r;
  }

  it("prints messages as file:line:col: severity: text, the verdict, and exits 1 when invalid", async () => {
    const file = join(dir, "Bad.lean");
    writeFileSync(file, "theorem t : True := by\n    exact sorry_free_error\n");
    const r = await run("check", file);
    expect(r.code).toBe(1);
    expect(r.out[0]).toMatch(/^SIMULATED/);
    expect(r.out).toContain(`${file}:2:4: error: unknown identifier 'sorry_free_error'\n  second line`);
    expect(r.out[r.out.length - 1]).toMatch(
      new RegExp(
        `^${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: invalid \\(lean_error, 1 error\\) in \\d+ ms \\[SIMULATED\\]$`,
      ),
    );
  });

  it("exits 0 for a valid file", async () => {
    const file = join(dir, "Good.lean");
    writeFileSync(file, "#check (1 : Nat)\n");
    const r = await run("check", file);
    expect(r.code).toBe(0);
    expect(r.out).toContain(`${file}:1:0: info: 1 : Nat`);
    expect(r.out[r.out.length - 1]).toContain(": valid");
  });

  it("--statement FILE --strict sends the statement at trust strict; failed checks print one line each, then the verdict with the trust level", async () => {
    const file = join(dir, "Cheat.lean");
    writeFileSync(file, "axiom cheat : False\ntheorem t : 1 = 2 := cheat.elim\n");
    const statement = join(dir, "Statement.lean");
    writeFileSync(statement, "theorem t : 1 = 1 := by sorry\n");
    const r = await run("check", file, "--statement", statement, "--strict");
    expect(r.code).toBe(1);
    expect(jobs.at(-1)).toMatchObject({ statement: "theorem t : 1 = 1 := by sorry\n", verify: "strict" });
    expect(r.out).toContain(
      `${file}: error: [axioms] t depends on axiom cheat, which is not permitted (permitted: propext, Classical.choice, Quot.sound)`,
    );
    expect(r.out).toContain(`${file}: error: [statement] t does not have the statement's type`);
    expect(r.out.filter((l) => l.includes(": error: ["))).toHaveLength(2);
    expect(r.out.at(-1)).toMatch(/: invalid \(axioms, statement failed\) \[trust fast\] in \d+ ms \[SIMULATED\]$/);

    const noStatement = await runCli(server.url, "check", file, "--strict");
    expect(noStatement.thrown?.message).toBe(
      "--strict needs --statement FILE: comparator checks the proof against the problem's statement",
    );
  });

  it("says the job id and where it stands (queued / running, elapsed time) while it waits", async () => {
    const file = join(dir, "Slow.lean");
    writeFileSync(file, "-- slow_job\ntheorem s : True := trivial\n");
    const r = await run("check", file);
    expect(r.code).toBe(0);
    const id = jobs.at(-1)!.id;
    expect(r.err.length).toBeGreaterThan(0);
    for (const line of r.err) expect(line).toMatch(new RegExp(`^job ${id}: (queued|running), \\d+ s$`));
    expect(r.err.at(-1)).toMatch(/: running, \d+ s$/);
  }, 20_000);

  it("status lists fleets with queue depth and the simulated flag", async () => {
    const r = await run("status");
    expect(r.code).toBe(0);
    expect(r.out[0]).toBe(`LeanFleet API ${server.url}: ok (v0.1.0)`);
    expect(r.out).toContain("SIMULATED: workers run the REPL double; results are not Lean verdicts.");
    expect(r.out.some((l) => l.startsWith("  default (default): queue visible"))).toBe(true);
  });
});

describe("CLI helpers", () => {
  it("parseDataset names the line and field of a bad item", () => {
    expect(parseDataset('{"code":"a","group":"g"}\n\n{"code":"b"}\n').items).toHaveLength(2);
    expect(() => parseDataset('{"code":"a"}\n{"code": 3}\n', "ds.jsonl")).toThrow("ds.jsonl:2: code: must be a string");
    expect(() => parseDataset('{"code":"a"}\n{oops\n', "ds.jsonl")).toThrow(/^ds\.jsonl:2: not valid JSON/);
    expect(() => parseDataset("\n\n", "ds.jsonl")).toThrow("no items");
  });

  it("parseWorkers reads MIN..MAX", () => {
    expect(parseWorkers("1..4")).toEqual({ min: 1, max: 4 });
    expect(parseWorkers("3")).toEqual({ min: 3, max: 3 });
    expect(parseWorkers("0..2")).toEqual({ min: 0, max: 2 });
    expect(() => parseWorkers("4..1")).toThrow("MAX must be >= MIN");
    expect(() => parseWorkers("many")).toThrow("--workers must be MIN..MAX");
  });
});
