// Contract tests of the Kimina-compatible routes on app.request() with in-memory fakes: the bodies kimina-client 0.2.1
// and Lean4Client send, answered field by field as Kimina Lean Server 2.0 does (../shared/docs/kimina-api.md).
import { afterEach, describe, expect, it } from "vitest";
import { hashApiKey } from "../../functions/api/index.js";
import { jobSchema, resultKey } from "../../services/jobs/index.js";
import { json, memoryApp, messagesOf, writeResult } from "../api/helpers/api-env.js";
import { fakeWorker, kiminaClientBody, lean4ClientBody } from "./helpers.js";

type Answer = Record<string, unknown> & {
  id?: string;
  custom_id?: string;
  time?: number;
  error?: string;
  response?: Record<string, unknown>;
  diagnostics?: Record<string, unknown>;
};

const workers: { stop(): void }[] = [];
afterEach(() => workers.splice(0).forEach((w) => w.stop()));

function setup(overrides: Parameters<typeof memoryApp>[0] = {}) {
  const env = memoryApp(overrides);
  const worker = fakeWorker(env.queue, env.store);
  workers.push(worker);
  return { ...env, worker };
}

async function results(res: Response): Promise<Answer[]> {
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toContain("application/json");
  const body = (await res.json()) as { results: Answer[] };
  expect(Object.keys(body)).toEqual(["results"]);
  return body.results;
}

/** Kimina's invariants of every snippet answer: exactly one of error/response, no nulls anywhere. */
function kiminaShape(a: Answer): void {
  expect("error" in a !== "response" in a).toBe(true);
  expect(JSON.stringify(a)).not.toContain("null");
}

const snip = (id: string, fake: string, body = "theorem t : 1 + 1 = 2 := by norm_num") => ({
  id,
  code: `import Mathlib\n-- @fake ${fake}\n${body}`,
});

describe("POST /api/check", () => {
  it("GIVEN kimina-client's body (all five keys, infotree null) THEN one answer per snippet, in order, as Kimina shapes them", async () => {
    const { app, worker } = setup();
    const body = kiminaClientBody([
      snip("ok", "valid"),
      snip("err", "lean-error"),
      snip("sorry", "sorry"),
      snip("repl", "repl-error"),
      snip("slow", "timeout"),
      snip("dead", "crash"),
    ]);
    const answers = await results(await app.request("/api/check", json(body)));
    expect(answers.map((a) => a.id)).toEqual(["ok", "err", "sorry", "repl", "slow", "dead"]);
    answers.forEach(kiminaShape);
    const [ok, err, sorry, repl, slow, dead] = answers as [Answer, Answer, Answer, Answer, Answer, Answer];

    // valid: time in seconds at the top level, the REPL's response without its empty lists, no diagnostics.
    expect(ok).toMatchObject({
      id: "ok",
      time: 0.532,
      response: { env: 0 },
      verdict: "valid",
      trust: "fast",
      simulated: true,
    });
    expect(ok.response).toEqual({ env: 0 });
    expect(ok).not.toHaveProperty("diagnostics");
    expect(ok.jobId).toMatch(/^b_.+\.000000000$/);
    // Lean error: messages passed through with full-snippet line numbers.
    expect(err.response).toEqual({
      env: 3,
      messages: [
        {
          severity: "error",
          pos: { line: 2, column: 36 },
          endPos: { line: 2, column: 44 },
          data: "unsolved goals\n⊢ 1 + 1 = 2",
        },
      ],
    });
    expect(err.verdict).toBe("invalid");
    // sorry: sorries kept, LeanFleet's checks ride along.
    expect((sorry.response as { sorries: unknown[] }).sorries).toHaveLength(1);
    expect(sorry).toMatchObject({
      verdict: "invalid",
      trust: "fast",
      checks: [
        { name: "errors", ok: true },
        { name: "sorries", ok: false, reason: "uses sorry" },
      ],
    });
    // REPL error: {message} as the response (kimina-client's repl_error).
    expect(repl.response).toEqual({ message: "Unknown environment." });
    // timeout: Kimina's error string with "timed out", time = the timeout, diagnostics even without debug.
    expect(slow).toEqual({
      id: "slow",
      time: 60,
      error: "Lean REPL command timed out in 60.0 seconds",
      diagnostics: { repl_uuid: "w-1/repl-1" },
      jobId: slow.jobId,
      verdict: "none",
      simulated: true,
    });
    // crash: a server error (no "timed out"), no response.
    expect(dead.error).toMatch(/^Snippet execution failed: the REPL crashed: REPL exited with code 134$/);
    expect(dead.time).toBe(0);
  });

  it("GIVEN timeout, reuse false and infotree THEN the jobs carry timeoutMs, options.incrementality false and options.infotree; /api/check/ answers too", async () => {
    const { app, worker } = setup();
    const res = await app.request(
      "/api/check/",
      json(kiminaClientBody([snip("a", "infotree")], { timeout: 7, reuse: false, infotree: "original" })),
    );
    const [a] = await results(res);
    expect(a!.response).toEqual({ env: 0, infotree: [{ node: "x" }] });
    expect(worker.jobs[0]).toMatchObject({
      timeoutMs: 7000,
      request: { kind: "command", options: { incrementality: false, infotree: "original" } },
    });
  });

  it("GIVEN explicit nulls for timeout, debug, reuse and infotree THEN Kimina's defaults (30 s, no debug, reuse)", async () => {
    const { app, worker } = setup();
    const [a] = await results(
      await app.request(
        "/api/check",
        json({ snippets: [snip("a", "valid")], timeout: null, debug: null, reuse: null, infotree: null }),
      ),
    );
    expect(a).not.toHaveProperty("diagnostics");
    expect(worker.jobs[0]!.timeoutMs).toBe(30_000);
    expect(worker.jobs[0]!.request).toEqual({ kind: "command", code: snip("a", "valid").code });
    // Only snippets given: the same defaults.
    await results(await app.request("/api/check", json({ snippets: [snip("b", "valid")] })));
    expect(worker.jobs[1]!.timeoutMs).toBe(30_000);
  });

  it("GIVEN debug THEN diagnostics name the REPL that ran each snippet", async () => {
    const { app } = setup();
    const [a] = await results(
      await app.request("/api/check", json(kiminaClientBody([snip("a", "valid")], { debug: true }))),
    );
    expect(a!.diagnostics).toEqual({ repl_uuid: "w-1/repl-1" });
  });

  it("GIVEN an empty list, duplicate ids or malformed snippets THEN 422 with FastAPI's detail, and nothing enqueued", async () => {
    const { app, queue } = memoryApp();
    const cases: [unknown, string, unknown[]][] = [
      [kiminaClientBody([]), "Value error, `snippets` must be non empty", ["body"]],
      [
        kiminaClientBody([snip("x", "valid"), snip("x", "valid")]),
        "Value error, `snippets` must have unique ids",
        ["body"],
      ],
      [kiminaClientBody([{ id: "x" }]), "Field required", ["body", "snippets", 0, "code"]],
      [
        kiminaClientBody([{ id: 7, code: "def x := 1" }]),
        "Input should be a valid string",
        ["body", "snippets", 0, "id"],
      ],
      [{ timeout: 30 }, "Field required", ["body", "snippets"]],
      [
        kiminaClientBody([snip("x", "valid")], { timeout: -1 }),
        "Input should be greater than or equal to 0",
        ["body", "timeout"],
      ],
      [
        kiminaClientBody([snip("x", "valid")], { infotree: "everything" }),
        "Input should be 'full', 'tactics', 'original' or 'substantive'",
        ["body", "infotree"],
      ],
    ];
    for (const [body, msg, loc] of cases) {
      const res = await app.request("/api/check", json(body));
      expect(res.status, JSON.stringify(body)).toBe(422);
      const { detail } = (await res.json()) as { detail: { msg: string; loc: unknown[]; type: string }[] };
      expect(detail[0]).toMatchObject({ msg, loc });
    }
    const bad = await app.request("/api/check", {
      method: "POST",
      body: "{nope",
      headers: { "content-type": "application/json" },
    });
    expect(bad.status).toBe(422);
    expect(((await bad.json()) as { detail: { type: string }[] }).detail[0]!.type).toBe("json_invalid");
    expect(messagesOf(queue)).toHaveLength(0);
  });

  it("GIVEN a snippet whose result is not back within the call's wait THEN a per-snippet error (not a timeout), and the job still ends with its stored result", async () => {
    const { app, store, worker } = setup({ limits: { kiminaWaitSeconds: 1 } });
    const answers = await results(
      await app.request("/api/check", json(kiminaClientBody([snip("a", "valid"), snip("b", "never")]))),
    );
    expect(answers[0]!.response).toEqual({ env: 0 });
    const late = answers[1]!;
    kiminaShape(late);
    expect(late.error).toContain("No result within this call's 1 s wait");
    expect(late.error).not.toContain("timed out");
    expect(late).toMatchObject({ time: 0, verdict: "none" });
    // The job was not lost: it is on the queue, and its result (once written) is readable by its id.
    const jobId = late.jobId as string;
    expect(worker.jobs.map((j) => j.id)).toContain(jobId);
    await writeResult(store, jobId, { status: "ok" });
    const got = (await (await app.request(`/v1/jobs/${jobId}`)).json()) as { state: string };
    expect(got.state).toBe("done");
    expect(await store.get(resultKey(jobId))).toBeDefined();
  });

  it("GIVEN the queue fails part-way THEN the sent snippets are answered and the others get a per-snippet error (200, not 503)", async () => {
    const { app, queue } = setup({ limits: { sendConcurrency: 1 } });
    const sendMany = queue.sendMany.bind(queue);
    let calls = 0;
    queue.sendMany = async (bodies: string[]) => {
      if (++calls === 2) throw new Error("throttled");
      return sendMany(bodies);
    };
    const snippets = Array.from({ length: 12 }, (_, i) => snip(`s${i}`, "valid"));
    const answers = await results(await app.request("/api/check", json(kiminaClientBody(snippets))));
    expect(answers.slice(0, 10).every((a) => a.response !== undefined)).toBe(true);
    expect(answers.slice(10).every((a) => a.error?.startsWith("Failed to get REPL: "))).toBe(true);
    answers.forEach(kiminaShape);
  });
});

describe("POST /verify and /one_pass_verify_batch", () => {
  it("GIVEN Lean4Client's body with integer and string custom_id, proof and code THEN custom_id as strings, time inside response, no time with an error", async () => {
    const { app } = setup();
    for (const path of ["/verify", "/one_pass_verify_batch"]) {
      const body = lean4ClientBody([
        { custom_id: "1234", proof: "-- @fake valid\n#check Nat" },
        { custom_id: 7, code: "-- @fake lean-error\ntheorem x : False := by simp" },
        { custom_id: 8, proof: "-- @fake repl-error\ndef y := 1", code: "-- @fake valid\nignored" },
        { custom_id: "9", proof: "-- @fake timeout\ntheorem z : True := trivial" },
      ]);
      const answers = await results(await app.request(path, json(body)));
      answers.forEach(kiminaShape);
      expect(answers.map((a) => a.custom_id)).toEqual(["1234", "7", "8", "9"]);
      expect(answers[0]).toMatchObject({ response: { env: 0, time: 0.532 }, verdict: "valid" });
      expect(answers[0]).not.toHaveProperty("time");
      expect(answers[1]!.response).toMatchObject({ env: 3, time: 0.532, messages: [{ severity: "error" }] });
      expect(answers[2]!.response).toEqual({ message: "Unknown environment.", time: 0.532 }); // proof wins over code
      expect(answers[3]).toEqual({
        custom_id: "9",
        error: "Lean REPL command timed out in 300.0 seconds",
        jobId: answers[3]!.jobId,
        verdict: "none",
        simulated: true,
      });
    }
  });

  it("GIVEN disable_cache and infotree_type THEN options.incrementality false and options.infotree; empty codes answer no results; duplicates are allowed", async () => {
    const { app, worker } = setup();
    const answers = await results(
      await app.request(
        "/verify",
        json(
          lean4ClientBody(
            [
              { custom_id: 1, proof: "def a := 1" },
              { custom_id: 1, proof: "def b := 1" },
            ],
            { disable_cache: true, infotree_type: "tactics", timeout: 5 },
          ),
        ),
      ),
    );
    expect(answers.map((a) => a.custom_id)).toEqual(["1", "1"]);
    expect(worker.jobs[0]).toMatchObject({
      timeoutMs: 5000,
      request: { options: { incrementality: false, infotree: "tactics" } },
    });
    expect(await results(await app.request("/verify", json(lean4ClientBody([]))))).toEqual([]);
    const res = await app.request("/verify", json(lean4ClientBody([{ custom_id: 3 }])));
    expect(res.status).toBe(422);
    expect(JSON.stringify(await res.json())).toContain("has no proof/code content");
  });
});

describe("auth and limits", () => {
  const key = "k".repeat(40);
  const keys = [{ id: "alice", sha256: hashApiKey(key), limits: { requestsPerSecond: 0.001, burst: 2 } }];

  it("GIVEN keys required THEN `Bearer <key>` and the raw key are accepted, a missing or unknown key gets Kimina's 401", async () => {
    const { app } = setup({ auth: { required: true, keys } });
    const body = kiminaClientBody([snip("a", "valid")]);
    expect((await app.request("/api/check", json(body, { authorization: `Bearer ${key}` }))).status).toBe(200);
    expect(
      (
        await app.request(
          "/verify",
          json(lean4ClientBody([{ custom_id: 1, proof: "def a := 1" }]), { authorization: key }),
        )
      ).status,
    ).toBe(200);
    const missing = await app.request("/api/check", json(body));
    expect(missing.status).toBe(401);
    expect(await missing.json()).toEqual({ detail: "Missing API key" });
    const wrong = await app.request(
      "/verify",
      json(lean4ClientBody([{ custom_id: 1, proof: "x" }]), { authorization: "Bearer None" }),
    );
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toEqual({ detail: "Invalid API key" });
  });

  it("GIVEN a key over its request rate THEN every snippet gets a per-snippet error (200) and nothing is enqueued", async () => {
    const { app, queue } = setup({ auth: { required: true, keys } });
    const call = () =>
      app.request("/api/check", json(kiminaClientBody([snip("a", "valid")]), { authorization: `Bearer ${key}` }));
    await results(await call());
    await results(await call());
    const before = messagesOf(queue).length;
    const [a] = await results(await call());
    kiminaShape(a!);
    expect(a!.error).toMatch(/^Failed to get REPL: key "alice" sent more than/);
    expect(a!.time).toBe(0);
    expect(messagesOf(queue).length).toBe(before);
  });

  it("GIVEN a key over its queued-jobs limit THEN per-snippet errors instead of 429", async () => {
    const { app } = memoryApp({
      auth: { required: true, keys: [{ id: "bob", sha256: hashApiKey(key), limits: { maxQueuedJobs: 1 } }] },
    });
    const [a, b] = await results(
      await app.request(
        "/api/check",
        json(kiminaClientBody([snip("a", "valid"), snip("b", "valid")]), { authorization: key }),
      ),
    );
    expect(a!.error).toContain('Failed to get REPL: key "bob" has about 0 jobs queued');
    expect(b!.error).toBe(a!.error);
  });

  it("GIVEN auth off THEN any Authorization header is accepted, Lean4Client's `Bearer None` included", async () => {
    const { app } = setup();
    for (const authorization of ["Bearer None", "whatever", "Bearer " + key]) {
      expect(
        (
          await app.request(
            "/verify",
            json(lean4ClientBody([{ custom_id: 1, proof: "def a := 1" }]), { authorization }),
          )
        ).status,
      ).toBe(200);
    }
  });
});

describe("health and the OpenAPI document", () => {
  it("GIVEN GET /health, /health/ and / THEN {status: ok} (LeanFleet's /health keeps its own fields)", async () => {
    const { app } = memoryApp({ auth: { required: true, keys: [] } });
    for (const path of ["/health", "/health/", "/"]) {
      const res = await app.request(path);
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ status: "ok", ok: true, fleets: ["default"] });
    }
  });

  it("GIVEN /openapi.json THEN it documents the Kimina routes with their request schemas", async () => {
    const { app } = memoryApp();
    const doc = (await (await app.request("/openapi.json")).json()) as {
      paths: Record<
        string,
        { post?: { requestBody: { content: Record<string, { schema: { properties: object } }> } } }
      >;
    };
    for (const p of ["/api/check", "/verify", "/one_pass_verify_batch"]) expect(doc.paths).toHaveProperty(p);
    expect(
      Object.keys(doc.paths["/api/check"]!.post!.requestBody.content["application/json"]!.schema.properties),
    ).toEqual(["snippets", "timeout", "debug", "reuse", "infotree"]);
    expect(Object.keys(doc.paths["/verify"]!.post!.requestBody.content["application/json"]!.schema.properties)).toEqual(
      ["codes", "timeout", "infotree_type", "disable_cache"],
    );
  });
});

describe("jobs", () => {
  it("GIVEN one call THEN its snippets are one batch of valid jobs on the default fleet, readable through /v1/batches", async () => {
    const { app, worker } = setup();
    const answers = await results(
      await app.request("/api/check", json(kiminaClientBody([snip("a", "valid"), snip("b", "sorry")]))),
    );
    const batchId = worker.jobs[0]!.batchId!;
    expect(worker.jobs.map((j) => jobSchema.parse(j).batchId)).toEqual([batchId, batchId]);
    expect(answers.map((a) => a.jobId)).toEqual(worker.jobs.map((j) => j.id));
    const progress = (await (await app.request(`/v1/batches/${batchId}`)).json()) as { total: number; done: number };
    expect(progress).toMatchObject({ total: 2, done: 2 });
  });
});
