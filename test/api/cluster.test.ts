// GET /v1/cluster, /health and /openapi.json.
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { jobSubmissionSchema } from "../../functions/api/index.js";
import { json, memoryApp } from "./helpers/api-env.js";

describe("GET /v1/cluster", () => {
  it("reports per fleet the queue depth and the task counts of the ClusterStatus port", async () => {
    const cluster = {
      tasks: async (fleet: string) => (fleet === "default" ? { desired: 3, running: 2, pending: 1 } : undefined),
    };
    const { app } = memoryApp({ fleets: ["default", "mathlib"], cluster, simulated: true });
    await app.request("/v1/jobs", json({ code: "#check 1" }));
    await app.request("/v1/jobs", json({ code: "#check 1" }));
    const body = (await (await app.request("/v1/cluster")).json()) as { simulated: boolean; fleets: unknown[] };
    expect(body.simulated).toBe(true);
    expect(body.fleets).toEqual([
      {
        fleet: "default",
        default: true,
        queue: { visible: 2, inFlight: 0, delayed: 0, oldestAgeSeconds: null },
        tasks: { desired: 3, running: 2, pending: 1 },
        deadLettered: { count: 0, atLeast: false },
        environments: { current: null, environments: [] },
      },
      {
        fleet: "mathlib",
        default: false,
        queue: { visible: 0, inFlight: 0, delayed: 0, oldestAgeSeconds: null },
        tasks: null,
        deadLettered: { count: 0, atLeast: false },
        environments: { current: null, environments: [] },
      },
    ]);
  });

  it("reports a failing port per fleet instead of failing the whole answer", async () => {
    const cluster = { tasks: async () => Promise.reject(new Error("AccessDenied")) };
    const { app, queue } = memoryApp({ cluster });
    queue.failNext("depth", new Error("queue gone"));
    const res = await app.request("/v1/cluster");
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      fleets: [{ queue: { error: expect.stringContaining("queue gone") }, tasks: { error: "AccessDenied" } }],
    });
  });
});

describe("GET /health and /openapi.json", () => {
  it("health answers ok with fleets and the simulated flag", async () => {
    const { app } = memoryApp({ simulated: true });
    expect(await (await app.request("/health")).json()).toMatchObject({
      ok: true,
      fleets: ["default"],
      defaultFleet: "default",
      simulated: true,
    });
  });

  it("the OpenAPI document carries the same JSON Schema that validates POST /v1/jobs", async () => {
    const { app } = memoryApp();
    const doc = (await (await app.request("/openapi.json")).json()) as {
      openapi: string;
      paths: Record<string, Record<string, { parameters?: { name: string }[] }>>;
      components: { schemas: Record<string, { properties?: Record<string, unknown> }> };
    };
    expect(doc.openapi).toBe("3.1.0");
    const { $schema: _s, ...expected } = z.toJSONSchema(jobSubmissionSchema, {
      io: "input",
      unrepresentable: "any",
    }) as Record<string, unknown>;
    expect(doc.components.schemas.JobSubmission).toEqual(expected);
    expect(Object.keys(doc.components.schemas.JobSubmission!.properties!)).toEqual(
      expect.arrayContaining(["code", "file", "tactic", "proofState", "env", "timeoutMs", "fleet", "keep", "chain"]),
    );
    expect(doc.paths["/v1/jobs"]!.post!.parameters!.map((p) => p.name)).toEqual(["wait"]);
    expect(doc.paths["/v1/batches"]!.post!.parameters!.map((p) => p.name)).toEqual([
      "batchId",
      "fleet",
      "earlyStop",
      "verify",
      "permittedAxioms",
    ]);
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        "/v1/jobs/{id}",
        "/v1/batches/{id}",
        "/v1/batches/{id}/results",
        "/v1/cluster",
        "/health",
      ]),
    );
  });
});
