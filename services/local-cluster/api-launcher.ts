// Starts the local cluster's API as its own OS process (api-process.ts) and stops it: own process group, stdin held
// open (the API exits when the supervisor dies), output appended to a log file, ready when it logs "api ready".
import { spawn } from "node:child_process";
import { createWriteStream } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { LocalClusterError } from "./errors.js";
import { REPO_ROOT } from "./repo-root.js";

/** A running API process. */
export interface ApiProcess {
  /** Base URL, e.g. `http://127.0.0.1:8787`. */
  url: string;
  /** SIGTERM its group, SIGKILL after 3 s; resolves when it exited. */
  stop(): Promise<void>;
}

/** Spawn the API process and wait for its "api ready" line. */
export async function startApiProcess(o: { env: Record<string, string>; logFile: string }): Promise<ApiProcess> {
  const log = createWriteStream(o.logFile, { flags: "a" });
  log.on("error", () => undefined);
  const child = spawn(process.execPath, ["--import", "tsx", join(REPO_ROOT, "services/local-cluster/api-process.ts")], {
    cwd: REPO_ROOT,
    env: o.env,
    stdio: ["pipe", "pipe", "pipe"],
    detached: true,
  });
  child.stdin.on("error", () => undefined);
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-2000);
    log.write(d);
  });
  const url = await new Promise<string>((resolveUrl, reject) => {
    const lines = createInterface({ input: child.stdout });
    lines.on("line", (line) => {
      log.write(line + "\n");
      if (line.includes('"api ready"')) resolveUrl((JSON.parse(line) as { url: string }).url);
    });
    void exited.then(() =>
      reject(
        new LocalClusterError(`the API process exited before it was ready: ${stderr.trim() || "see " + o.logFile}`),
      ),
    );
  });
  return {
    url,
    async stop() {
      try {
        process.kill(-child.pid!, "SIGTERM");
      } catch {
        return;
      }
      const timer = setTimeout(() => {
        try {
          process.kill(-child.pid!, "SIGKILL");
        } catch {
          // gone
        }
      }, 3000);
      await exited;
      clearTimeout(timer);
      log.end();
    },
  };
}
