// A refused connection to this machine fails at once when the endpoint has never answered (no local cluster is
// running: nothing to wait for), and is retried once it has answered (the local API restarting).
import { createServer } from "node:net";
import { describe, expect, it } from "vitest";
import { Hono } from "hono";
import { serveApi } from "../../functions/api/index.js";
import { HttpTransport, isLoopback } from "../../services/client/index.js";

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const port = (server.address() as { port: number }).port;
  await new Promise((r) => server.close(r));
  return port;
}

describe("HttpTransport and a refused loopback connection", () => {
  it("knows loopback hosts", () => {
    for (const h of ["localhost", "127.0.0.1", "127.1.2.3", "[::1]", "::1", "api.localhost"])
      expect(isLoopback(h), h).toBe(true);
    for (const h of ["10.0.0.1", "example.com", "128.0.0.1", "localhost.example.com"])
      expect(isLoopback(h), h).toBe(false);
  });

  it("fails at once, without retries, when nothing has ever answered, and says to start the cluster", async () => {
    const port = await closedPort();
    const retries: unknown[] = [];
    const http = new HttpTransport({ endpoint: `http://127.0.0.1:${port}`, onRetry: (i) => retries.push(i) });
    const t0 = Date.now();
    await expect(http.send({ method: "GET", path: "/health" })).rejects.toMatchObject({
      code: "network",
      message: expect.stringContaining("connection refused): start the local cluster with `leanfleet up`"),
    });
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(retries).toEqual([]);
  });

  it("retries a refusal after the endpoint has answered once (a restart)", async () => {
    const app = new Hono().get("/health", (c) => c.json({ ok: true }));
    const server = await serveApi(app as never, { port: 0 });
    const retries: unknown[] = [];
    const http = new HttpTransport({
      endpoint: server.url,
      retry: { retries: 2, baseDelayMs: 10, maxDelayMs: 20 },
      onRetry: (i) => retries.push(i),
    });
    expect((await http.send({ method: "GET", path: "/health" })).status).toBe(200);
    await server.close();
    await expect(http.send({ method: "GET", path: "/health" })).rejects.toMatchObject({
      code: "network",
      message: expect.stringContaining("after 3 attempts"),
    });
    expect(retries).toHaveLength(2);
  });
});
