// The Kimina routes through the local stack (fauxqs, the API process, 2 worker processes on the REPL double): the
// bodies kimina-client and Lean4Client send, answered as Kimina does; a mix of 200 snippets across 3 headers in one
// call; a worker SIGKILLed mid-call still leaves exactly one stored result per snippet and an answer for each.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { batchOfJob, batchResultsPrefix } from "../../services/jobs/index.js";
import { createAwsClients, S3ObjectStore } from "../../services/aws/index.js";
import { startLocalCluster, type LocalCluster } from "../../services/local-cluster/index.js";
import { kiminaClientBody, lean4ClientBody } from "./helpers.js";

type Answer = Record<string, unknown> & {
  id?: string;
  custom_id?: string;
  time?: number;
  error?: string;
  response?: Record<string, unknown> & {
    messages?: { severity: string; pos: { line: number } }[];
    sorries?: unknown[];
  };
};

const logDir = mkdtempSync(join(tmpdir(), "lf-kimina-"));
let cluster: LocalCluster;
let store: S3ObjectStore;

beforeAll(async () => {
  cluster = await startLocalCluster({
    workers: { min: 2, max: 2 },
    simulate: true,
    replsPerWorker: 2,
    visibilitySeconds: 3,
    pollWaitSeconds: 1,
    drainSeconds: 5,
    port: 0,
    logDir,
    scaling: { intervalMs: 250 },
    onNotice: () => undefined,
  });
  const aws = createAwsClients({ endpoint: cluster.awsEndpoint, region: cluster.region });
  store = new S3ObjectStore({ client: aws.s3, bucket: cluster.bucket, conditionalWrites: "head-then-put" });
}, 60_000);

afterAll(async () => {
  await cluster?.close();
  rmSync(logDir, { recursive: true, force: true });
});

async function post(path: string, body: unknown, headers: Record<string, string> = {}): Promise<Answer[]> {
  const res = await fetch(`${cluster.endpoint}${path}`, {
    method: "POST",
    body: JSON.stringify(body),
    headers: { "content-type": "application/json", ...headers },
  });
  expect(res.status).toBe(200);
  const results = ((await res.json()) as { results: Answer[] }).results;
  for (const a of results) {
    expect("error" in a !== "response" in a).toBe(true);
    expect(JSON.stringify(a)).not.toContain("null");
  }
  return results;
}

/** Stored result keys of the batch of a job id. */
async function storedResults(jobId: string): Promise<string[]> {
  const page = await store.list(batchResultsPrefix(batchOfJob(jobId)!));
  return page.keys;
}

describe("Kimina routes on the local stack (REPL double)", () => {
  it(
    "GIVEN kimina-client's body THEN valid, Lean error (full-snippet lines), sorry, timeout and crash answered as Kimina does",
    { timeout: 60_000 },
    async () => {
      const answers = await post(
        "/api/check",
        kiminaClientBody(
          [
            { id: "valid", code: "import Mathlib\ntheorem two : 1 + 1 = 2 := by norm_num" },
            {
              id: "lean",
              code: "import Mathlib\n\n-- @double error unknown identifier 'foo'\ntheorem e : True := foo",
            },
            { id: "sorry", code: "import Mathlib\ntheorem s (n : Nat) : n + 0 = n := by sorry" },
            { id: "slow", code: "-- @double hang\ntheorem h : True := trivial" },
            { id: "crash", code: "-- @double crash\ntheorem c : True := trivial" },
          ],
          { timeout: 2 },
        ),
        { authorization: "Bearer None" },
      );
      const [valid, lean, sorry, slow, crash] = answers as [Answer, Answer, Answer, Answer, Answer];
      expect(answers.map((a) => a.id)).toEqual(["valid", "lean", "sorry", "slow", "crash"]);
      expect(valid).toMatchObject({ verdict: "valid", simulated: true });
      expect(typeof valid.time).toBe("number");
      expect(valid.response).not.toHaveProperty("messages");
      expect(lean.verdict).toBe("invalid");
      expect(lean.response!.messages!.find((m) => m.severity === "error")!.pos.line).toBe(3);
      expect(sorry.response!.sorries).toHaveLength(1);
      expect(sorry.verdict).toBe("invalid");
      expect(slow).toMatchObject({ error: "Lean REPL command timed out in 2.0 seconds", time: 2, verdict: "none" });
      expect(slow.diagnostics).toHaveProperty("repl_uuid");
      expect(crash.error).toMatch(/^Snippet execution failed: /);
      expect(crash.error).not.toContain("timed out");
      for (const a of answers) expect(await storedResults(a.jobId as string)).toHaveLength(5);
    },
  );

  it(
    "GIVEN Lean4Client's body at /verify THEN custom_id as strings and time inside response",
    { timeout: 30_000 },
    async () => {
      const answers = await post(
        "/verify",
        lean4ClientBody([
          { custom_id: 1, proof: "#check Nat" },
          { custom_id: "two", code: "theorem t : 2 = 2 := rfl" },
        ]),
        { authorization: "Bearer None" },
      );
      expect(answers.map((a) => a.custom_id)).toEqual(["1", "two"]);
      expect(answers[0]!.response).toMatchObject({ messages: [{ severity: "info" }] });
      for (const a of answers) expect(typeof a.response!.time).toBe("number");
      const health = (await (await fetch(`${cluster.endpoint}/`)).json()) as { status: string };
      expect(health.status).toBe("ok");
    },
  );

  it(
    "GIVEN 200 snippets across 3 headers in one call THEN every snippet answered, in order, each with one stored result",
    { timeout: 90_000 },
    async () => {
      const headers = ["import Mathlib\n", "import Mathlib.Data.Nat.Basic\n", ""];
      const snippets = Array.from({ length: 200 }, (_, i) => {
        const kind = i % 5;
        const body =
          kind === 0
            ? `theorem e${i} : True := by\n  -- @double error boom ${i}\n  trivial`
            : kind === 1
              ? `theorem s${i} (n : Nat) : n = n := by sorry`
              : `-- @double sleep 5\ntheorem t${i} : ${i} = ${i} := rfl`;
        return { id: `p${i}`, code: `${headers[i % 3]}${body}` };
      });
      const answers = await post("/api/check", kiminaClientBody(snippets, { timeout: 30 }));
      expect(answers.map((a) => a.id)).toEqual(snippets.map((s) => s.id));
      expect(answers.every((a) => a.response !== undefined)).toBe(true);
      expect(answers.filter((a) => a.verdict === "valid")).toHaveLength(120);
      expect(
        answers.filter((_, i) => i % 5 === 0).every((a) => a.response!.messages!.some((m) => m.severity === "error")),
      ).toBe(true);
      expect(await storedResults(answers[0]!.jobId as string)).toHaveLength(200);
    },
  );

  it(
    "GIVEN a worker SIGKILLed mid-call THEN the call still answers every snippet and each has exactly one stored result",
    { timeout: 90_000 },
    async () => {
      const snippets = Array.from({ length: 12 }, (_, i) => ({
        id: `k${i}`,
        code: `-- @double sleep 1500\ntheorem k${i} : ${i} = ${i} := rfl`,
      }));
      const call = post("/api/check", kiminaClientBody(snippets, { timeout: 20 }));
      const sup = cluster.supervisors.default!;
      let victim;
      for (const deadline = Date.now() + 20_000; victim === undefined && Date.now() < deadline;) {
        for (const w of sup.live()) {
          const h = await w.pollHealth();
          if (w.state === "running" && h && h.jobsRunning > 0) victim = w;
        }
        if (victim === undefined) await new Promise((r) => setTimeout(r, 50));
      }
      expect(victim).toBeDefined();
      process.kill(victim!.pid, "SIGKILL");
      const answers = await call;
      expect(answers.map((a) => a.id)).toEqual(snippets.map((s) => s.id));
      expect(answers.every((a) => a.verdict === "valid")).toBe(true);
      const keys = await storedResults(answers[0]!.jobId as string);
      expect(keys).toHaveLength(12);
      expect(new Set(keys).size).toBe(12);
    },
  );
});
