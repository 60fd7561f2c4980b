// The client's transport against a Hono app served on 127.0.0.1: retries with backoff on 429/5xx honouring
// Retry-After, no retry on 4xx, network errors retried, errors decoded with their stable code.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Hono } from "hono";
import { serveApi, type ApiServer } from "../../functions/api/index.js";
import { backoffMs, HttpTransport, LeanFleetApiError } from "../../services/client/index.js";

const policy = { retries: 4, baseDelayMs: 100, maxDelayMs: 5000 };

describe("backoffMs", () => {
  it("honours Retry-After in seconds and as an HTTP date, capped by maxDelayMs", () => {
    expect(backoffMs(1, policy, "2")).toBe(2000);
    expect(backoffMs(1, policy, "0")).toBe(0);
    expect(backoffMs(1, policy, "600")).toBe(5000);
    const inThree = new Date(Date.now() + 3000).toUTCString();
    expect(backoffMs(1, policy, inThree)).toBeGreaterThan(1000);
    expect(backoffMs(1, policy, inThree)).toBeLessThanOrEqual(3000);
  });

  it("otherwise grows exponentially with full jitter, never below half the base delay", () => {
    expect(backoffMs(1, policy, null, () => 1)).toBe(100);
    expect(backoffMs(4, policy, null, () => 1)).toBe(800);
    expect(backoffMs(20, policy, null, () => 1)).toBe(5000);
    expect(backoffMs(3, policy, null, () => 0)).toBe(50);
  });
});

describe("HttpTransport against a served Hono app", () => {
  let server: ApiServer;
  const hits = new Map<string, number>();
  const seenAuth: string[] = [];
  const count = (k: string) => {
    const n = (hits.get(k) ?? 0) + 1;
    hits.set(k, n);
    return n;
  };

  beforeAll(async () => {
    const app = new Hono();
    app.use("*", async (c, next) => {
      seenAuth.push(c.req.header("authorization") ?? "");
      await next();
    });
    app.get("/limited", (c) => {
      if (count("limited") <= 2) {
        c.header("Retry-After", "0");
        return c.json({ error: { code: "rate_limited", message: "slow down" } }, 429);
      }
      return c.json({ ok: true });
    });
    app.get("/flaky", (c) =>
      count("flaky") <= 1
        ? c.json({ error: { code: "upstream_unavailable", message: "sqs down" } }, 503)
        : c.json({ ok: true }),
    );
    app.get("/bad", (c) => {
      count("bad");
      return c.json({ error: { code: "invalid_request", message: "code: must be a string", field: "code" } }, 400);
    });
    app.get("/down", (c) => {
      count("down");
      return c.json({ error: { code: "upstream_unavailable", message: "still down" } }, 503);
    });
    app.get("/html", (c) => c.html("<h1>Bad gateway</h1>", 502));
    server = await serveApi(app as never, { port: 0 });
  });
  afterAll(async () => {
    await server?.close();
  });

  it("retries 429 (Retry-After: 0) and 503 until success, sending the bearer key", async () => {
    const retries: number[] = [];
    const http = new HttpTransport({
      endpoint: server.url,
      apiKey: "k-1",
      retry: policy,
      onRetry: (i) => retries.push(i.status ?? 0),
    });
    expect((await http.json<{ ok: boolean }>({ method: "GET", path: "/limited" })).body).toEqual({ ok: true });
    expect(hits.get("limited")).toBe(3);
    expect((await http.json<{ ok: boolean }>({ method: "GET", path: "/flaky" })).body).toEqual({ ok: true });
    expect(retries).toEqual([429, 429, 503]);
    expect(seenAuth.every((a) => a === "Bearer k-1")).toBe(true);
  });

  it("does not retry a 400 and surfaces its code and field", async () => {
    const http = new HttpTransport({ endpoint: server.url, retry: policy });
    const err = await http.send({ method: "GET", path: "/bad" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LeanFleetApiError);
    expect(err).toMatchObject({ status: 400, code: "invalid_request", field: "code" });
    expect(hits.get("bad")).toBe(1);
  });

  it("gives up after the configured retries, and decodes non-JSON error pages", async () => {
    const http = new HttpTransport({ endpoint: server.url, retry: { retries: 2, baseDelayMs: 10, maxDelayMs: 20 } });
    await expect(http.send({ method: "GET", path: "/down" })).rejects.toMatchObject({
      status: 503,
      code: "upstream_unavailable",
    });
    expect(hits.get("down")).toBe(3);
    await expect(http.send({ method: "GET", path: "/html" })).rejects.toMatchObject({ status: 502, code: "http_502" });
  });

  it("retries network errors, then reports the endpoint it could not reach", async () => {
    let calls = 0;
    const failing: typeof fetch = async (input, init) => {
      if (++calls <= 2) throw new TypeError("fetch failed: ECONNRESET");
      return fetch(input, init);
    };
    const http = new HttpTransport({
      endpoint: server.url,
      fetch: failing,
      retry: { retries: 3, baseDelayMs: 10, maxDelayMs: 20 },
    });
    expect((await http.json<{ ok: boolean }>({ method: "GET", path: "/flaky" })).status).toBe(200);
    expect(calls).toBe(3);
    const dead = new HttpTransport({
      endpoint: "http://127.0.0.1:9",
      retry: { retries: 1, baseDelayMs: 10, maxDelayMs: 20 },
    });
    await expect(dead.send({ method: "GET", path: "/health" })).rejects.toMatchObject({ code: "network" });
  });
});
