// `npm start` as a supervisor runs it (docker, systemd, an IDE's stop button, CI): SIGTERM to the npm process stops
// the whole stack, and so does the npm process dying outright (SIGKILL); no process is left and the port is free.
// Also: a taken port is refused at once, naming the process that holds it.
import { randomUUID } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { execa, type ResultPromise } from "execa";
import { describe, expect, it } from "vitest";
import { canListen, isAlive } from "../../services/local-cluster/index.js";
import { runCli } from "../cli/helpers/run-cli.js";

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const MARK_ENV = "LEANFLEET_TEST_MARK";

/** Live processes whose environment carries MARK_ENV=mark (every descendant of the npm process inherits it). */
function marked(mark: string): number[] {
  const found: number[] = [];
  for (const e of readdirSync("/proc")) {
    if (!/^\d+$/.test(e) || Number(e) === process.pid) continue;
    try {
      if (
        readFileSync(`/proc/${e}/environ`, "latin1").split("\0").includes(`${MARK_ENV}=${mark}`) &&
        isAlive(Number(e))
      )
        found.push(Number(e));
    } catch {
      // exited meanwhile, or not ours
    }
  }
  return found;
}

function describePids(pids: number[]): string {
  return pids
    .map(
      (p) =>
        `${p}: ${(() => {
          try {
            return readFileSync(`/proc/${p}/cmdline`, "utf8").replaceAll("\0", " ");
          } catch {
            return "?";
          }
        })()}`,
    )
    .join("\n");
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const port = (server.address() as { port: number }).port;
  await new Promise((r) => server.close(r));
  return port;
}

async function waitFor(what: string, ok: () => boolean | Promise<boolean>, withinMs: number): Promise<number> {
  const t0 = Date.now();
  while (!(await ok())) {
    if (Date.now() - t0 > withinMs) throw new Error(`not within ${withinMs} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return Date.now() - t0;
}

/** `npm start -- --port P --simulate --workers 1`, resolved once the cluster says it is up. */
async function npmStart(mark: string, port: number): Promise<{ npm: ResultPromise; output: () => string }> {
  const npmCli = process.env.npm_execpath?.endsWith("npm-cli.js") ? [process.env.npm_execpath] : [];
  const cmd = npmCli.length > 0 ? (process.env.npm_node_execpath ?? process.execPath) : "npm";
  const npm = execa(cmd, [...npmCli, "start", "--", "--port", String(port), "--simulate", "--workers", "1"], {
    cwd: REPO,
    env: { [MARK_ENV]: mark, npm_config_update_notifier: "false" },
    reject: false,
    all: true,
  });
  let all = "";
  let exited = false;
  npm.all?.on("data", (d: Buffer) => (all += d.toString()));
  void npm.then(() => (exited = true));
  await waitFor(
    "npm start to say the local cluster is up",
    () => all.includes("local cluster is up") || exited,
    25_000,
  );
  expect(all, all).toContain(`API http://127.0.0.1:${port}`);
  return { npm, output: () => all };
}

describe("npm start under a supervisor", () => {
  it(
    "SIGTERM to the npm process: a 'stopped' line, no process left within 15 s, the port free",
    { timeout: 60_000 },
    async () => {
      const mark = randomUUID();
      const port = await freePort();
      const { npm, output } = await npmStart(mark, port);
      expect(marked(mark).length).toBeGreaterThanOrEqual(3); // npm, leanfleet up, the API, a worker, its REPLs
      process.kill(npm.pid!, "SIGTERM");
      const ms = await waitFor(
        `no process left; still:\n${describePids(marked(mark))}`,
        () => marked(mark).length === 0,
        15_000,
      );
      await npm;
      expect(output()).toContain("LeanFleet local cluster stopped (SIGTERM).");
      expect(await canListen(port)).toBe(true);
      console.log(`npm start: all processes gone ${ms} ms after SIGTERM`);
    },
  );

  it(
    "the npm process killed outright (SIGKILL): leanfleet up notices its parent is gone and stops everything",
    { timeout: 60_000 },
    async () => {
      const mark = randomUUID();
      const port = await freePort();
      const { npm, output } = await npmStart(mark, port);
      process.kill(npm.pid!, "SIGKILL");
      const ms = await waitFor(
        `no process left; still:\n${describePids(marked(mark))}`,
        () => marked(mark).length === 0,
        15_000,
      );
      await npm;
      expect(await canListen(port)).toBe(true);
      expect(output()).toContain("LeanFleet local cluster stopped (parent process exited).");
      console.log(`npm start: all processes gone ${ms} ms after SIGKILL of npm`);
    },
  );

  it("a taken port fails at once, naming the process that holds it and suggesting --port", async () => {
    const server: Server = createServer();
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    const port = (server.address() as { port: number }).port;
    try {
      const t0 = Date.now();
      const r = await runCli("http://127.0.0.1:1", "up", "--port", String(port), "--simulate");
      expect(Date.now() - t0).toBeLessThan(5_000);
      expect(r.thrown?.message).toContain(`127.0.0.1:${port} is already in use (EADDRINUSE) by pid ${process.pid} (`);
      expect(r.thrown?.message).toMatch(
        /--port \d+ \(then point the CLI at it: --endpoint http:\/\/127\.0\.0\.1:\d+\)/,
      );
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});
