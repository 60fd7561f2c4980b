// local.ts: serveApi on 127.0.0.1 with a graceful close, and the entry run as its own process (env config, fauxqs,
// --port, exit 0 on SIGTERM).
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { serveApi } from "../../functions/api/index.js";
import { startFauxqsEnv } from "../worker/helpers/fauxqs-env.js";
import { json, memoryApp } from "./helpers/api-env.js";

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

describe("serveApi", () => {
  it("binds 127.0.0.1, lets an in-flight request finish at close, then refuses connections", async () => {
    const { app } = memoryApp();
    const server = await serveApi(app, { port: 0 });
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(await (await fetch(`${server.url}/health`)).json()).toMatchObject({ ok: true });
    const init = json({ code: "#check 1" });
    const inFlight = fetch(`${server.url}/v1/jobs?wait=0.5`, init);
    await new Promise((r) => setTimeout(r, 100));
    const closed = server.close();
    const res = await inFlight;
    expect(res.status).toBe(202);
    await closed;
    await expect(fetch(`${server.url}/health`)).rejects.toThrow();
    await server.close(); // idempotent
  });
});

describe("local.ts as a process", () => {
  it("serves from its environment (fauxqs endpoint, no keys) and exits 0 on SIGTERM", async () => {
    const fx = await startFauxqsEnv();
    try {
      fx.bucket("local-test");
      const q = fx.queue({ visibilitySeconds: 30, maxReceiveCount: 3 });
      const child = spawn(process.execPath, ["--import", "tsx", join(REPO, "functions/api/local.ts"), "--port", "0"], {
        env: {
          ...process.env,
          LEANFLEET_QUEUE_URLS: JSON.stringify({ default: q.queueUrl }),
          LEANFLEET_BUCKET: "local-test",
          LEANFLEET_AWS_ENDPOINT: fx.endpoint,
          LEANFLEET_SIMULATE: "1",
        },
        stdio: ["ignore", "pipe", "pipe"],
      });
      const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
      const url = await new Promise<string>((res, rej) => {
        createInterface({ input: child.stdout! }).on("line", (line) => {
          const m = /"url":"([^"]+)"/.exec(line);
          if (m) res(m[1]!);
        });
        child.once("exit", (code) => rej(new Error(`local.ts exited early with ${code}`)));
      });
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(await (await fetch(`${url}/health`)).json()).toMatchObject({ ok: true, simulated: true });
      const res = await fetch(`${url}/v1/jobs`, json({ code: "#check 1" }));
      expect(res.status).toBe(202);
      // Over real HTTP (@hono/node-server): JSON with its Location, as the in-process tests see it.
      const { jobId } = (await res.json()) as { jobId: string };
      expect(res.headers.get("content-type")).toBe("application/json");
      expect(res.headers.get("location")).toBe(`/v1/jobs/${jobId}`);
      expect((await q.queue.depth()).visible).toBe(1);
      child.kill("SIGTERM");
      expect(await exited).toBe(0);
    } finally {
      await fx.close();
    }
  });
});
