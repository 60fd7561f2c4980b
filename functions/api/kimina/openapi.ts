// The Kimina-compatible routes in /openapi.json, from the same zod schemas that validate their bodies.
import { z } from "zod";
import { checkRequestSchema, verifyRequestSchema } from "./schemas.js";

const json = (schema: z.ZodType) => {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, {
    io: "input",
    unrepresentable: "any",
    target: "draft-2020-12",
  }) as Record<string, unknown>;
  return rest;
};

const leanfleetExtras = {
  jobId: { type: "string", description: "LeanFleet: the snippet's job (GET /v1/jobs/{id} reads its full result)" },
  verdict: { type: "string", enum: ["valid", "invalid", "none"], description: "LeanFleet's verdict" },
  trust: { type: "string", description: "LeanFleet: trust level of the checks, when the result has them" },
  checks: {
    type: "array",
    items: { type: "object" },
    description: "LeanFleet: each check and its outcome, when the result has them",
  },
  simulated: {
    type: "boolean",
    description: "LeanFleet: present (true) when the REPL double answered: not a Lean verdict",
  },
};
const replResponse = {
  type: "object",
  description:
    "The REPL's answer, passed through: env, messages, sorries (only when non-empty), infotree; or {message} for a REPL-level error",
};
const detail422 = {
  description:
    "FastAPI validation error: {detail: [{type, loc, msg, input}]} (e.g. `snippets` must be non empty / must have unique ids)",
};
const detail401 = {
  description: 'Keys required and none or an unknown one sent: {"detail": "Missing API key" | "Invalid API key"}',
};
const kiminaSecurity = [{ kimina: [] }];

/** One snippet's entry in /api/check's `results`. */
const checkResult = {
  type: "object",
  required: ["id", "time"],
  description: "Exactly one of error or response. Line numbers refer to the whole submitted snippet.",
  properties: {
    id: { type: "string" },
    time: {
      type: "number",
      description: "Seconds the snippet ran (the timeout for a timeout); 0.0 when it did not run",
    },
    response: replResponse,
    error: {
      type: "string",
      description:
        'Timeouts say "timed out"; "Failed to get REPL: …" when not run; "No result within this call\'s … wait" when not back in time',
    },
    diagnostics: {
      type: "object",
      properties: { repl_uuid: { type: "string" }, memory_max: { type: "number" } },
      description: "With debug, and for timeouts",
    },
    ...leanfleetExtras,
  },
};

/** One code's entry in /verify's `results`. */
const verifyResult = {
  type: "object",
  required: ["custom_id"],
  description: "Exactly one of error or response; `time` inside response.",
  properties: {
    custom_id: { type: "string" },
    response: replResponse,
    error: { type: "string" },
    ...leanfleetExtras,
  },
};

/** POST /api/check, Kimina Lean Server 2.0's route. */
function checkPath(): object {
  return {
    post: {
      summary:
        "Kimina Lean Server 2.0: check snippets (one batch on the fleet; waits for the results, LEANFLEET_KIMINA_WAIT_SECONDS at most)",
      tags: ["Kimina Lean Server"],
      security: kiminaSecurity,
      requestBody: { required: true, content: { "application/json": { schema: json(checkRequestSchema) } } },
      responses: {
        "200": {
          description: "One result per snippet, in order; per-snippet errors instead of 429/500",
          content: {
            "application/json": {
              schema: { type: "object", properties: { results: { type: "array", items: checkResult } } },
            },
          },
        },
        "401": detail401,
        "422": detail422,
      },
    },
  };
}

/** POST /verify and its alias: Kimina's legacy route. */
function verifyPath(summary: string): object {
  return {
    post: {
      summary,
      tags: ["Kimina Lean Server"],
      security: kiminaSecurity,
      requestBody: { required: true, content: { "application/json": { schema: json(verifyRequestSchema) } } },
      responses: {
        "200": {
          description: "One result per code, in order",
          content: {
            "application/json": {
              schema: { type: "object", properties: { results: { type: "array", items: verifyResult } } },
            },
          },
        },
        "401": detail401,
        "422": detail422,
      },
    },
  };
}

/** The `securitySchemes` entry and `paths` of the Kimina routes. */
export function kiminaOpenApiPaths(): { securityScheme: object; paths: Record<string, object> } {
  return {
    securityScheme: {
      type: "apiKey",
      in: "header",
      name: "Authorization",
      description:
        "Kimina's form: `Bearer <key>` or the raw key (the same keys as /v1); any value when keys are off (local)",
    },
    paths: {
      "/api/check": checkPath(),
      "/verify": verifyPath("Kimina's legacy route (Lean4Client.verify): codes with custom_id"),
      "/one_pass_verify_batch": verifyPath("Alias of /verify"),
      "/": {
        get: {
          summary: 'Kimina health: {"status": "ok"} (also /health/)',
          tags: ["Kimina Lean Server"],
          security: [],
          responses: { "200": { description: '{"status": "ok", ...}' } },
        },
      },
    },
  };
}
