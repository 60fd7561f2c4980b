// lambda.ts driven with real API Gateway v2 (HTTP API, payload 2.0) events, its deps built from the environment
// against fauxqs.
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { APIGatewayProxyResult, LambdaEvent } from "hono/aws-lambda";
import { apiEvent } from "./helpers/api-gateway-event.js";
import { hashApiKey } from "../../functions/api/index.js";
import { jobSchema, resultKey } from "../../services/jobs/index.js";
import { startFauxqsEnv, type FauxqsEnv, type FauxqsQueue } from "../worker/helpers/fauxqs-env.js";
import type { ObjectStore } from "../../services/core/index.js";
import { writeResult } from "./helpers/api-env.js";

const KEY = "lambda-test-key";

type Handler = (event: LambdaEvent) => Promise<APIGatewayProxyResult>;

async function loadHandler(env: Record<string, string | undefined>): Promise<Handler> {
  vi.resetModules();
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  const mod = await import("../../functions/api/lambda.js");
  return mod.handler as unknown as Handler;
}

describe("lambda.ts handler with API Gateway v2 events", () => {
  let fx: FauxqsEnv;
  let q: FauxqsQueue;
  let store: ObjectStore;
  let handler: Handler;
  const bucket = "lambda-results";
  const auth = { authorization: `Bearer ${KEY}` };

  beforeAll(async () => {
    fx = await startFauxqsEnv();
    store = fx.bucket(bucket);
    q = fx.queue({ visibilitySeconds: 30, maxReceiveCount: 3 });
    handler = await loadHandler({
      LEANFLEET_QUEUE_URLS: JSON.stringify({ default: q.queueUrl }),
      LEANFLEET_BUCKET: bucket,
      LEANFLEET_API_KEYS: JSON.stringify([{ id: "ci", sha256: hashApiKey(KEY) }]),
      LEANFLEET_AWS_ENDPOINT: fx.endpoint,
      LEANFLEET_LOG_LEVEL: "silent",
      AWS_REGION: "us-east-1",
    });
  });
  afterAll(async () => {
    await fx?.close();
  });

  it("POST /v1/jobs enqueues on SQS and answers 202; GET returns state then result", async () => {
    const res = await handler(
      apiEvent("POST", "/v1/jobs", {
        body: JSON.stringify({ code: "example : 2 = 2 := rfl" }),
        headers: { ...auth, "content-type": "application/json" },
      }),
    );
    expect(res.statusCode).toBe(202);
    const { jobId } = JSON.parse(res.body) as { jobId: string };
    expect(res.headers).toMatchObject({ "content-type": "application/json", location: `/v1/jobs/${jobId}` });
    const [m] = await q.queue.receive(10, 1);
    expect(jobSchema.parse(JSON.parse(m!.body)).id).toBe(jobId);

    let got = await handler(apiEvent("GET", `/v1/jobs/${jobId}`, { headers: auth }));
    expect(got.statusCode).toBe(200);
    expect(JSON.parse(got.body)).toEqual({ jobId, state: "queued" });
    await writeResult(store, jobId, { verdict: "valid" });
    expect(await store.exists(resultKey(jobId))).toBe(true);
    got = await handler(apiEvent("GET", `/v1/jobs/${jobId}`, { headers: auth }));
    expect(JSON.parse(got.body)).toMatchObject({ state: "done", result: { jobId, verdict: "valid" } });
  });

  it("decodes base64 bodies (binary media types) and still refuses invalid UTF-8 with 400", async () => {
    const ok = await handler(
      apiEvent("POST", "/v1/jobs", {
        body: Buffer.from(JSON.stringify({ code: "#check (1 : ℕ)" })),
        headers: { ...auth, "content-type": "application/json" },
      }),
    );
    expect(ok.statusCode).toBe(202);
    const bad = await handler(
      apiEvent("POST", "/v1/jobs", {
        body: Buffer.from([0x7b, 0xff, 0x7d]),
        headers: { ...auth, "content-type": "application/json" },
      }),
    );
    expect(bad.statusCode).toBe(400);
    expect(JSON.parse(bad.body)).toMatchObject({ error: { code: "invalid_utf8" } });
  });

  it("POST /v1/batches with JSON Lines, then progress and a results page with the cursor header", async () => {
    const lines = ["a", "b", "c"]
      .map((g) => JSON.stringify({ code: "example : True := trivial", group: g }))
      .join("\n");
    const res = await handler(
      apiEvent("POST", "/v1/batches?earlyStop=true", {
        body: lines,
        headers: { ...auth, "content-type": "application/x-ndjson" },
      }),
    );
    expect(res.statusCode).toBe(202);
    const { batchId } = JSON.parse(res.body) as { batchId: string };
    await writeResult(store, `${batchId}.000000001`, { batchId, group: "b" });
    const progress = await handler(apiEvent("GET", `/v1/batches/${batchId}`, { headers: auth }));
    expect(JSON.parse(progress.body)).toMatchObject({ total: 3, done: 1, valid: 1, earlyStop: true });
    const page = await handler(apiEvent("GET", `/v1/batches/${batchId}/results`, { headers: auth }));
    expect(page.statusCode).toBe(200);
    expect(page.headers?.["leanfleet-cursor"]).toBe("-1.1");
    expect(page.body.trim().split("\n")).toHaveLength(1);
  });

  it("refuses requests without the key, and unknown routes, as JSON", async () => {
    const res = await handler(
      apiEvent("POST", "/v1/jobs", { body: "{}", headers: { "content-type": "application/json" } }),
    );
    expect(res.statusCode).toBe(401);
    expect(JSON.parse(res.body)).toMatchObject({ error: { code: "unauthorized" } });
    const nf = await handler(apiEvent("GET", "/v1/nothing", { headers: auth }));
    expect(nf.statusCode).toBe(404);
    expect(JSON.parse(nf.body)).toMatchObject({ error: { code: "route_not_found" } });
    const health = await handler(apiEvent("GET", "/health"));
    expect(JSON.parse(health.body)).toMatchObject({ ok: true, fleets: ["default"] });
  });

  it("without API keys configured, answers 503 not_configured (keys are required in AWS)", async () => {
    const broken = await loadHandler({ LEANFLEET_API_KEYS: undefined });
    const res = await broken(apiEvent("GET", "/v1/cluster", { headers: auth }));
    expect(res.statusCode).toBe(503);
    expect(JSON.parse(res.body)).toMatchObject({
      error: { code: "not_configured", message: expect.stringContaining("LEANFLEET_API_KEYS") },
    });
    const health = await broken(apiEvent("GET", "/health"));
    expect(health.statusCode).toBe(503);
  });
});
