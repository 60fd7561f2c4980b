// Relative paths resolve against the directory the user ran leanfleet from, also under `npm run leanfleet` (which runs
// in the repository root): the dataset is read there and `*.results.jsonl` is written there, not in the repository.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serveApi, type ApiServer } from "../../functions/api/index.js";
import { jobSchema } from "../../services/jobs/index.js";
import { userDirectory } from "../../cli/user-cwd.js";
import { memoryApp, writeResult } from "../api/helpers/api-env.js";

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

describe("userDirectory", () => {
  const dir = tmpdir();
  it("is INIT_CWD under an npm script started in the repository root", () => {
    expect(userDirectory({ INIT_CWD: dir, npm_lifecycle_event: "leanfleet" }, REPO, REPO)).toBe(resolve(dir));
  });
  it("stays put outside npm scripts, elsewhere than the root, or when INIT_CWD is the root or missing", () => {
    expect(userDirectory({ INIT_CWD: dir }, REPO, REPO)).toBeUndefined();
    expect(userDirectory({ INIT_CWD: dir, npm_lifecycle_event: "npx" }, "/somewhere/else", REPO)).toBeUndefined();
    expect(userDirectory({ INIT_CWD: REPO, npm_lifecycle_event: "start" }, REPO, REPO)).toBeUndefined();
    expect(
      userDirectory({ INIT_CWD: join(dir, "no-such-dir-leanfleet"), npm_lifecycle_event: "start" }, REPO, REPO),
    ).toBeUndefined();
  });
});

describe("npm run leanfleet from another directory", () => {
  let server: ApiServer;
  let dir: string;
  let stop = false;
  let worker: Promise<void>;

  beforeAll(async () => {
    const env = memoryApp({ simulated: true });
    server = await serveApi(env.app, { port: 0 });
    dir = mkdtempSync(join(tmpdir(), "leanfleet-user-cwd-"));
    worker = (async () => {
      while (!stop) {
        for (const m of await env.queue.receive(10, 0.1)) {
          const job = jobSchema.parse(JSON.parse(m.body));
          await writeResult(env.store, job.id, {
            status: "ok",
            verdict: "valid",
            ...(job.group ? { group: job.group } : {}),
          });
          await env.queue.ack(m.receipt);
        }
      }
    })();
  });

  afterAll(async () => {
    stop = true;
    await worker;
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it(
    "reads the relative dataset and writes <dataset>.results.jsonl in the user's directory",
    { timeout: 60_000 },
    async () => {
      const name = `cwd-${process.pid}`;
      writeFileSync(
        join(dir, `${name}.jsonl`),
        [
          '{"code": "theorem a : True := trivial", "group": "a"}',
          '{"code": "theorem b : True := trivial", "group": "b"}',
        ].join("\n") + "\n",
      );
      const npmCli = process.env.npm_execpath?.endsWith("npm-cli.js") ? [process.env.npm_execpath] : [];
      const cmd = npmCli.length > 0 ? (process.env.npm_node_execpath ?? process.execPath) : "npm";
      const r = await execa(
        cmd,
        [
          ...npmCli,
          "--prefix",
          REPO,
          "run",
          "--silent",
          "leanfleet",
          "--",
          "--endpoint",
          server.url,
          "eval",
          `${name}.jsonl`,
          "--no-progress",
        ],
        {
          cwd: dir,
          env: { npm_config_update_notifier: "false" },
          reject: false,
          timeout: 50_000,
        },
      );
      expect(r.exitCode, `${r.stdout}\n${r.stderr}`).toBe(0);
      expect(existsSync(join(REPO, `${name}.results.jsonl`))).toBe(false);
      const results = readFileSync(join(dir, `${name}.results.jsonl`), "utf8")
        .split("\n")
        .filter(Boolean);
      expect(results).toHaveLength(2);
    },
  );
});
