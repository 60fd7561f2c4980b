// Malformed and hostile requests against createApp over fauxqs-backed deps: each gets the right 4xx with a clear
// JSON error, and nothing reaches the queues or the store.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp, hashApiKey } from "../../functions/api/index.js";
import { startFauxqsEnv, type FauxqsEnv } from "../worker/helpers/fauxqs-env.js";
import type { ObjectStore } from "../../services/core/index.js";
import { depthOf, errorOf, fakeHandle } from "./helpers/api-env.js";

const KEY = "test-key-0123456789";
const auth = { authorization: `Bearer ${KEY}` };
const BATCH = "b_01234567-89ab-7def-8123-456789abcdef";
const ps = fakeHandle("ps", 7);
const env = fakeHandle("env", 9);

interface Case {
  name: string;
  method?: string;
  path?: string;
  body?: string | Uint8Array;
  headers?: Record<string, string>;
  status: number;
  code: string;
  field?: string;
}

const j = (v: unknown) => JSON.stringify(v);
const items = (n: number) => j(Array.from({ length: n }, (_, i) => ({ code: `example : ${i} = ${i} := rfl` })));

const CASES: Case[] = [
  { name: "truncated JSON", body: '{"code": ', status: 400, code: "invalid_json" },
  { name: "empty body", body: "", status: 400, code: "invalid_json" },
  { name: "JSON array instead of object", body: "[]", status: 400, code: "invalid_request" },
  { name: "JSON string instead of object", body: '"theorem"', status: 400, code: "invalid_request" },
  { name: "missing code/file/tactic", body: "{}", status: 400, code: "invalid_request" },
  { name: "code of the wrong type", body: j({ code: 42 }), status: 400, code: "invalid_request", field: "code" },
  {
    name: "two kinds at once",
    body: j({ code: "#check 1", tactic: "simp", proofState: ps }),
    status: 400,
    code: "invalid_request",
    field: "tactic",
  },
  {
    name: "tactic without proofState",
    body: j({ tactic: "simp" }),
    status: 400,
    code: "invalid_request",
    field: "proofState",
  },
  {
    name: "malformed proof-state handle",
    body: j({ tactic: "simp", proofState: "ps_xyz" }),
    status: 400,
    code: "invalid_request",
    field: "proofState",
  },
  {
    name: "env handle of the wrong kind",
    body: j({ code: "#check 1", env: ps }),
    status: 400,
    code: "invalid_request",
    field: "env",
  },
  {
    name: "raw numeric REPL id as env",
    body: j({ code: "#check 1", env: 3 }),
    status: 400,
    code: "invalid_request",
    field: "env",
  },
  {
    name: "negative timeoutMs",
    body: j({ code: "#check 1", timeoutMs: -5 }),
    status: 400,
    code: "invalid_request",
    field: "timeoutMs",
  },
  {
    name: "non-integer timeoutMs",
    body: j({ code: "#check 1", timeoutMs: 1.5 }),
    status: 400,
    code: "invalid_request",
    field: "timeoutMs",
  },
  {
    name: "timeoutMs as a string",
    body: j({ code: "#check 1", timeoutMs: "1000" }),
    status: 400,
    code: "invalid_request",
    field: "timeoutMs",
  },
  {
    name: "unknown fleet",
    body: j({ code: "#check 1", fleet: "nope" }),
    status: 400,
    code: "unknown_fleet",
    field: "fleet",
  },
  {
    name: "malformed fleet name",
    body: j({ code: "#check 1", fleet: "Bad Fleet!" }),
    status: 400,
    code: "invalid_request",
    field: "fleet",
  },
  {
    name: "unknown field",
    body: j({ code: "#check 1", cmd: "#check 2" }),
    status: 400,
    code: "invalid_request",
    field: "cmd",
  },
  {
    name: "bad REPL option value",
    body: j({ code: "#check 1", options: { infotree: "everything" } }),
    status: 400,
    code: "invalid_request",
    field: "options.infotree",
  },
  {
    name: "keep as a string",
    body: j({ code: "#check 1", keep: "yes" }),
    status: 400,
    code: "invalid_request",
    field: "keep",
  },
  {
    name: "options with a tactic",
    body: j({ tactic: "simp", proofState: ps, options: { allTactics: true } }),
    status: 400,
    code: "invalid_request",
    field: "options",
  },
  {
    name: "chain missing the used handle",
    body: j({ code: "#check 1", env, chain: [] }),
    status: 400,
    code: "invalid_request",
    field: "chain",
  },
  {
    name: "invalid UTF-8 bytes",
    body: new Uint8Array([0x7b, 0x22, 0x63, 0x6f, 0x64, 0x65, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0x22, 0x7d]),
    status: 400,
    code: "invalid_utf8",
  },
  {
    name: "lone surrogate escape",
    body: '{"code": "theorem \\ud800 x"}',
    status: 400,
    code: "invalid_unicode",
    field: "code",
  },
  { name: "12 MiB body", body: j({ code: "x".repeat(12 * 1024 * 1024) }), status: 413, code: "payload_too_large" },
  {
    name: "XML content type",
    body: "<job/>",
    headers: { "content-type": "application/xml" },
    status: 415,
    code: "unsupported_media_type",
  },
  {
    name: "wait above 30 s",
    path: "/v1/jobs?wait=31",
    body: j({ code: "#check 1" }),
    status: 400,
    code: "invalid_request",
    field: "wait",
  },
  {
    name: "negative wait",
    path: "/v1/jobs?wait=-1",
    body: j({ code: "#check 1" }),
    status: 400,
    code: "invalid_request",
    field: "wait",
  },
  {
    name: "wait given twice",
    path: "/v1/jobs?wait=1&wait=2",
    body: j({ code: "#check 1" }),
    status: 400,
    code: "invalid_request",
    field: "wait",
  },
  {
    name: "unknown query parameter",
    path: "/v1/jobs?priority=high",
    body: j({ code: "#check 1" }),
    status: 400,
    code: "invalid_request",
    field: "priority",
  },
  { name: "negative job id", method: "GET", path: "/v1/jobs/-1", status: 400, code: "invalid_id", field: "id" },
  { name: "non-integer job id", method: "GET", path: "/v1/jobs/1.5", status: 400, code: "invalid_id", field: "id" },
  {
    name: "batch item id with a short seq",
    method: "GET",
    path: `/v1/jobs/${BATCH}.12`,
    status: 400,
    code: "invalid_id",
  },
  { name: "malformed batch id", method: "GET", path: "/v1/batches/123", status: 400, code: "invalid_id" },
  {
    name: "negative results cursor",
    method: "GET",
    path: `/v1/batches/${BATCH}/results?cursor=-5`,
    status: 400,
    code: "invalid_request",
    field: "cursor",
  },
  {
    name: "results limit 0",
    method: "GET",
    path: `/v1/batches/${BATCH}/results?limit=0`,
    status: 400,
    code: "invalid_request",
    field: "limit",
  },
  {
    name: "too many batch items",
    path: "/v1/batches",
    body: items(10_001),
    status: 400,
    code: "too_many_items",
    field: "items",
  },
  {
    name: "one bad item among good ones",
    path: "/v1/batches",
    body: j([{ code: "#check 1" }, { code: "#check 2" }, { code: null }]),
    status: 400,
    code: "invalid_request",
    field: "items[2].code",
  },
  {
    name: "JSON Lines with a broken line",
    path: "/v1/batches",
    headers: { "content-type": "application/x-ndjson" },
    body: '{"code":"#check 1"}\n{"code": "#check\n',
    status: 400,
    code: "invalid_json",
    field: "items[1] (line 2)",
  },
  {
    name: "batch body that is an object",
    path: "/v1/batches",
    body: j({ items: [] }),
    status: 400,
    code: "invalid_request",
  },
  { name: "empty batch", path: "/v1/batches", body: "[]", status: 400, code: "invalid_request", field: "items" },
  {
    name: "earlyStop not a boolean",
    path: "/v1/batches?earlyStop=yes",
    body: items(1),
    status: 400,
    code: "invalid_request",
    field: "earlyStop",
  },
  {
    name: "malformed batchId to append",
    path: "/v1/batches?batchId=b_bad",
    body: items(1),
    status: 400,
    code: "invalid_request",
    field: "batchId",
  },
  {
    name: "append to an unknown batch",
    path: `/v1/batches?batchId=${BATCH}`,
    body: items(1),
    status: 404,
    code: "not_found",
  },
  {
    name: "unknown API key",
    body: j({ code: "#check 1" }),
    headers: { authorization: "Bearer wrong-key" },
    status: 401,
    code: "unauthorized",
  },
  {
    name: "missing API key",
    body: j({ code: "#check 1" }),
    headers: { authorization: "" },
    status: 401,
    code: "unauthorized",
  },
  {
    name: "Basic instead of Bearer",
    body: j({ code: "#check 1" }),
    headers: { authorization: "Basic dXNlcjpwdw==" },
    status: 401,
    code: "unauthorized",
  },
  { name: "unknown route", method: "GET", path: "/v2/jobs", status: 404, code: "route_not_found" },
  {
    name: "wrong method",
    method: "PUT",
    path: "/v1/jobs",
    body: j({ code: "#check 1" }),
    status: 405,
    code: "method_not_allowed",
  },
];

describe("hostile requests (fauxqs-backed deps)", () => {
  let fx: FauxqsEnv;
  let app: ReturnType<typeof createApp>;
  let queues: Record<string, import("../../services/core/index.js").JobQueue>;
  let store: ObjectStore;

  beforeAll(async () => {
    fx = await startFauxqsEnv();
    store = fx.bucket();
    queues = {
      default: fx.queue({ visibilitySeconds: 30, maxReceiveCount: 3 }).queue,
      mathlib: fx.queue({ visibilitySeconds: 30, maxReceiveCount: 3 }).queue,
    };
    app = createApp({
      queues,
      store,
      auth: { required: true, keys: [{ id: "tester", sha256: hashApiKey(KEY) }] },
      limits: { keyLimits: { requestsPerSecond: 10_000, burst: 10_000 } },
    });
  });
  afterAll(async () => {
    await fx?.close();
  });

  it(`has at least 25 cases (${CASES.length})`, () => {
    expect(CASES.length).toBeGreaterThanOrEqual(25);
  });

  for (const c of CASES) {
    it(`${c.name} -> ${c.status} ${c.code}, nothing enqueued`, async () => {
      const method = c.method ?? "POST";
      const headers: Record<string, string> = {
        ...auth,
        ...(method === "POST" ? { "content-type": "application/json" } : {}),
        ...c.headers,
      };
      if (headers.authorization === "") delete headers.authorization;
      const res = await app.request(c.path ?? "/v1/jobs", {
        method,
        headers,
        ...(c.body === undefined ? {} : { body: c.body }),
      });
      expect(res.status).toBe(c.status);
      expect(res.headers.get("content-type")).toContain("application/json");
      const err = await errorOf(res);
      expect(err.code).toBe(c.code);
      if (c.field !== undefined) expect(err.field).toBe(c.field);
      expect(err.message.length).toBeGreaterThan(15);
      if (c.status === 401) expect(res.headers.get("www-authenticate")).toContain("Bearer");
      expect(await depthOf(queues)).toBe(0);
      expect((await store.list("")).keys).toEqual([]);
    });
  }

  it("a valid request on the same app is accepted (the cases fail for their own reason)", async () => {
    const res = await app.request("/v1/jobs", {
      method: "POST",
      headers: { ...auth, "content-type": "application/json" },
      body: j({ code: "#check 1" }),
    });
    expect(res.status).toBe(202);
    expect(await depthOf(queues)).toBe(1);
  });
});
