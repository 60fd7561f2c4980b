// The OpenAPI 3.1 document, generated from the same zod schemas that validate requests (z.toJSONSchema).
import { z } from "zod";
import { resultSchema } from "../../services/jobs/index.js";
import { kiminaOpenApiPaths } from "./kimina/index.js";
import { ERROR_STATUS } from "./middleware/error-handler.js";
import {
  batchItemSchema,
  batchReportQuerySchema,
  batchResultsQuerySchema,
  batchSubmitQuerySchema,
  jobSubmissionSchema,
  jobSubmitQuerySchema,
} from "./schemas.js";

const json = (schema: z.ZodType, io: "input" | "output" = "input") => {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, {
    io,
    unrepresentable: "any",
    target: "draft-2020-12",
  }) as Record<string, unknown>;
  return rest;
};

function queryParams(schema: z.ZodObject): object[] {
  const s = json(schema) as { properties?: Record<string, { description?: string }> };
  return Object.entries(s.properties ?? {}).map(([name, p]) => ({
    name,
    in: "query",
    required: false,
    description: p.description,
    schema: { ...p, description: undefined },
  }));
}

const errorRef = { $ref: "#/components/schemas/Error" };
const errors = (...codes: number[]) =>
  Object.fromEntries(
    codes.map((s) => [String(s), { description: codesFor(s), content: { "application/json": { schema: errorRef } } }]),
  );
function codesFor(status: number): string {
  return `error codes: ${Object.entries(ERROR_STATUS)
    .filter(([, s]) => s === status)
    .map(([c]) => c)
    .join(", ")}`;
}
const idParam = (what: string) => ({
  name: "id",
  in: "path",
  required: true,
  description: `${what} id`,
  schema: { type: "string" },
});
const common = [401, 429, 503];

/** The body of every error response (see middleware/error-handler.ts). */
function errorSchema(): object {
  return {
    type: "object",
    required: ["error"],
    properties: {
      error: {
        type: "object",
        required: ["code", "message"],
        properties: {
          code: { type: "string", enum: Object.keys(ERROR_STATUS) },
          message: { type: "string" },
          field: { type: "string" },
          retryAfterSeconds: { type: "number" },
        },
      },
    },
  };
}

/** The document's components: security schemes and the shared schemas. */
function components(kiminaScheme: object): object {
  return {
    securitySchemes: {
      bearer: {
        type: "http",
        scheme: "bearer",
        description: "API key (stored hashed with SHA-256 by the deployment)",
      },
      kimina: kiminaScheme,
    },
    schemas: {
      JobSubmission: json(jobSubmissionSchema),
      BatchItem: json(batchItemSchema),
      Result: json(resultSchema, "output"),
      Error: errorSchema(),
    },
  };
}

/** POST /v1/jobs and GET /v1/jobs/{id}. */
function jobPaths(): Record<string, object> {
  return {
    "/v1/jobs": {
      post: {
        summary: "Submit one check",
        parameters: queryParams(jobSubmitQuerySchema),
        requestBody: {
          required: true,
          content: { "application/json": { schema: { $ref: "#/components/schemas/JobSubmission" } } },
        },
        responses: {
          "200": { description: "Finished within ?wait: {jobId, state: done, result}" },
          "202": { description: "Accepted: {jobId} (or {jobId, state} after an elapsed wait)" },
          ...errors(400, 413, 415, ...common),
        },
      },
    },
    "/v1/jobs/{id}": {
      get: {
        summary: "A job's result or state (queued, running, done)",
        parameters: [idParam("job")],
        responses: { "200": { description: "{jobId, state, result?}" }, ...errors(400, 404, ...common) },
      },
    },
  };
}

/** POST /v1/batches (create or append). */
function batchSubmitPath(): object {
  return {
    post: {
      summary: "Create a batch or append to one (JSON array or JSON Lines, at most 10000 items a call)",
      parameters: queryParams(batchSubmitQuerySchema),
      requestBody: {
        required: true,
        content: {
          "application/json": { schema: { type: "array", items: { $ref: "#/components/schemas/BatchItem" } } },
          "application/x-ndjson": {
            schema: { $ref: "#/components/schemas/BatchItem" },
            description: "one item per line",
          },
        },
      },
      responses: {
        "202": { description: "{batchId, accepted, firstSeq, lastSeq}" },
        ...errors(400, 404, 409, 413, 415, ...common),
      },
    },
  };
}

/** The /v1/batches routes: submit, progress, results and report. */
function batchPaths(): Record<string, object> {
  return {
    "/v1/batches": batchSubmitPath(),
    "/v1/batches/{id}": {
      get: {
        summary:
          "Batch progress: total, done, valid, byStatus, ratePerSecond, and byTrust (valid and pass@k per trust level) when results carry trust",
        parameters: [idParam("batch")],
        responses: { "200": { description: "progress" }, ...errors(400, 404, ...common) },
      },
    },
    "/v1/batches/{id}/results": {
      get: {
        summary: "Results as JSON Lines, resumable: pass the LeanFleet-Cursor response header back as ?cursor=",
        parameters: [idParam("batch"), ...queryParams(batchResultsQuerySchema)],
        responses: {
          "200": {
            description:
              "JSON Lines of results; headers LeanFleet-Cursor, LeanFleet-Complete, LeanFleet-More, LeanFleet-Total",
            content: { "application/x-ndjson": { schema: { $ref: "#/components/schemas/Result" } } },
          },
          ...errors(400, 404, ...common),
        },
      },
    },
    "/v1/batches/{id}/report": {
      get: {
        summary:
          "The batch's evaluation report: one self-contained HTML page (pass@k, problems, times; against ?baseline= another batch)",
        parameters: [idParam("batch"), ...queryParams(batchReportQuerySchema)],
        responses: { "200": { description: "HTML", content: { "text/html": {} } }, ...errors(400, 404, ...common) },
      },
    },
  };
}

/** Cluster status, environments, health and this document. */
function servicePaths(): Record<string, object> {
  return {
    "/v1/cluster": {
      get: {
        summary:
          "Per fleet: queue depth, worker task counts, dead-lettered jobs and environments ({current, environments: [{id, firstSeenAt}]})",
        responses: { "200": { description: "cluster status" }, ...errors(...common) },
      },
    },
    "/v1/environments/{id}": {
      get: {
        summary:
          "An environment record (a result's env): Lean version and commit, the project's packages and revisions, the REPL, strict-stage tools, image digest, LeanFleet version, simulated",
        parameters: [idParam("environment")],
        responses: { "200": { description: "the record, with its id" }, ...errors(400, 404, ...common) },
      },
    },
    "/health": {
      get: {
        summary: "Liveness (also Kimina's health check)",
        security: [],
        responses: { "200": { description: '{status: "ok", ok: true, version, fleets, defaultFleet, simulated}' } },
      },
    },
    "/openapi.json": {
      get: { summary: "This document", security: [], responses: { "200": { description: "OpenAPI 3.1" } } },
    },
  };
}

/** Build the OpenAPI document (cheap enough to build once per app). */
export function buildOpenApi(version: string): object {
  const kimina = kiminaOpenApiPaths();
  return {
    openapi: "3.1.0",
    info: {
      title: "LeanFleet API",
      version,
      description:
        "Check Lean 4 code at scale. Results carry simulated: true when produced by the REPL double (not a Lean verdict).",
    },
    components: components(kimina.securityScheme),
    security: [{ bearer: [] }],
    paths: { ...jobPaths(), ...batchPaths(), ...servicePaths(), ...kimina.paths },
  };
}
