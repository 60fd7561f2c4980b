// LeanReplConfig: defaults and validation, finding the REPL (argv, replPath + project, env, PATH), the one setup
// message when Lean is missing, version and capability detection, the double's config, and RLIMIT_AS wrapping.
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, describe, expect, it } from "vitest";
import {
  detectRepl,
  LEAN_REPL_DEFAULTS,
  parseReplConfig,
  ReplSetupError,
  withAddressSpaceLimit,
} from "../../services/repl/index.js";
import {
  detectForkRepl,
  detectLeanVersion,
  parseLeanVersion,
  resolveIncrementalitySupport,
  resolveReplCommand,
  supportsParallelElaboration,
} from "../../services/repl/setup/detect.js";
import { DOUBLE_PATH, doubleConfig } from "../support/double.js";

const root = mkdtempSync(join(tmpdir(), "leanfleet-config-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** An executable shell script at dir/name. */
function script(dir: string, name: string, body: string): string {
  mkdirSync(dir, { recursive: true });
  const p = join(dir, name);
  writeFileSync(p, `#!/bin/sh\n${body}\n`);
  chmodSync(p, 0o755);
  return p;
}

const emptyPath = join(root, "empty-bin");
mkdirSync(emptyPath);

describe("parseReplConfig", () => {
  it("fills every default from LEAN_REPL_DEFAULTS", () => {
    const c = parseReplConfig();
    for (const [key, value] of Object.entries(LEAN_REPL_DEFAULTS)) expect(c[key as keyof typeof c], key).toEqual(value);
    expect(c.env).toEqual({});
  });

  it("names the field and the problem when a value is invalid", () => {
    expect(() => parseReplConfig({ maxProcessMemory: 1.5 })).toThrow(/LeanReplConfig\.maxProcessMemory/);
    expect(() => parseReplConfig({ argv: [] })).toThrow(ReplSetupError);
    expect(() => parseReplConfig({ memoryLimit: 3 } as never)).toThrow(/memoryLimit/);
  });
});

describe("resolveReplCommand", () => {
  it("runs an explicit argv as given (argv[0] looked up on PATH)", () => {
    const c = resolveReplCommand(parseReplConfig({ argv: ["sh", "-c", "true"], cwd: root, env: { A: "1" } }));
    expect(c).toEqual({ file: expect.stringMatching(/\/sh$/), args: ["-c", "true"], cwd: root, env: { A: "1" } });
    expect(() => resolveReplCommand(parseReplConfig({ argv: ["/no/such/repl"] }))).toThrow(/argv/);
  });

  it("runs `lake env <replPath>` in the project directory", () => {
    const bin = join(root, "bin1");
    const lake = script(bin, "lake", "exit 0");
    const repl = script(join(root, "repl1/.lake/build/bin"), "repl", "exit 0");
    const project = join(root, "project1");
    mkdirSync(project);
    const c = resolveReplCommand(parseReplConfig({ replPath: repl, projectDir: project }), { env: { PATH: bin } });
    expect(c).toEqual({ file: lake, args: ["env", repl], cwd: project, env: {} });
  });

  it("finds the REPL through LEANFLEET_REPL / LEANFLEET_PROJECT_DIR, or as `repl` on PATH", () => {
    const bin = join(root, "bin2");
    const lake = script(bin, "lake", "exit 0");
    const onPath = script(bin, "repl", "exit 0");
    const viaEnv = script(join(root, "elsewhere"), "repl", "exit 0");
    const fromEnv = resolveReplCommand(parseReplConfig(), {
      env: { PATH: bin, LEANFLEET_REPL: viaEnv, LEANFLEET_PROJECT_DIR: root },
    });
    expect(fromEnv).toMatchObject({ file: lake, args: ["env", viaEnv], cwd: root });
    const fromPath = resolveReplCommand(parseReplConfig({ cwd: root }), { env: { PATH: bin } });
    expect(fromPath).toMatchObject({ file: onPath, args: [], cwd: root });
  });

  it("without Lean: one clear message saying what is missing and how to install it", () => {
    let err: unknown;
    try {
      resolveReplCommand(parseReplConfig(), { env: { PATH: emptyPath } });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ReplSetupError);
    const message = (err as ReplSetupError).message;
    expect(message).not.toContain("\n");
    expect(message).toContain("no Lean REPL");
    expect(message).toContain("curl https://raw.githubusercontent.com/leanprover/elan/master/elan-init.sh -sSf | sh");
    expect(message).toContain("https://github.com/augustepoiroux/repl");
    expect(message).toContain("lake build");
    expect(message).toContain("LEANFLEET_REPL");
  });

  it('treats empty LEANFLEET_REPL / LEANFLEET_PROJECT_DIR as unset (no REPL at path "")', () => {
    expect(() =>
      resolveReplCommand(parseReplConfig(), {
        env: { PATH: emptyPath, LEANFLEET_REPL: "", LEANFLEET_PROJECT_DIR: "" },
      }),
    ).toThrow(/no Lean REPL: neither/);
  });

  it("names the tag matching the project's toolchain, and a missing lake", () => {
    const project = join(root, "project2");
    mkdirSync(project);
    writeFileSync(join(project, "lean-toolchain"), "leanprover/lean4:v4.19.0\n");
    const repl = script(join(root, "repl2"), "repl", "exit 0");
    const err = (() => {
      try {
        resolveReplCommand(parseReplConfig({ replPath: repl, projectDir: project }), { env: { PATH: emptyPath } });
      } catch (e) {
        return e as ReplSetupError;
      }
      throw new Error("expected a setup error");
    })();
    expect(err.message).toContain("`lake` is not on PATH");
    expect(err.message).toContain("--branch v1.3.14_lean-toolchain-v4.19.0");
  });
});

describe("versions and capabilities", () => {
  it("parses toolchain strings, tags and `lean --version` output", () => {
    expect(parseLeanVersion("leanprover/lean4:v4.19.0\n")).toBe("4.19.0");
    expect(parseLeanVersion("v4.29.0-rc1")).toBe("4.29.0-rc1");
    expect(parseLeanVersion("Lean (version 4.9.1, x86_64-unknown-linux-gnu, commit abc, Release)")).toBe("4.9.1");
    expect(parseLeanVersion("leanprover/lean4:nightly-2025-01-01")).toBeNull();
  });

  it("supports parallel elaboration from Lean 4.19 on", () => {
    expect(supportsParallelElaboration("4.19.0")).toBe(true);
    expect(supportsParallelElaboration("v4.19.0-rc2")).toBe(true);
    expect(supportsParallelElaboration("leanprover/lean4:v4.22.0")).toBe(true);
    expect(supportsParallelElaboration("5.0.0")).toBe(true);
    expect(supportsParallelElaboration("4.18.1")).toBe(false);
    expect(supportsParallelElaboration("4.9.0")).toBe(false);
    expect(supportsParallelElaboration(null)).toBe(false);
  });

  it("detects the Lean version: explicit, then lean-toolchain, then `lean --version`", () => {
    const project = join(root, "project3");
    mkdirSync(project);
    writeFileSync(join(project, "lean-toolchain"), "leanprover/lean4:v4.21.0\n");
    expect(detectLeanVersion(parseReplConfig({ leanVersion: "v4.15.0", projectDir: project }))).toBe("4.15.0");
    expect(detectLeanVersion(parseReplConfig({ projectDir: project }), { env: { PATH: emptyPath } })).toBe("4.21.0");
    const bin = join(root, "bin3");
    script(bin, "lean", 'echo "Lean (version 4.20.1, x86_64-unknown-linux-gnu, commit 0, Release)"');
    expect(detectLeanVersion(parseReplConfig({ cwd: root }), { env: { PATH: bin } })).toBe("4.20.1");
    expect(detectLeanVersion(parseReplConfig(), { env: { PATH: emptyPath } })).toBeNull();
  });

  it("recognises the fork REPL (incrementality) by its sources, remote or cache path", () => {
    const fork = join(root, "checkout-fork");
    const repl = script(join(fork, ".lake/build/bin"), "repl", "exit 0");
    mkdirSync(join(fork, "REPL"));
    writeFileSync(join(fork, "REPL/JSON.lean"), "structure Command where\n  incrementality : Option Bool := none\n");
    expect(detectForkRepl(repl)).toBe(true);
    const upstream = join(root, "checkout-upstream");
    const upstreamRepl = script(join(upstream, ".lake/build/bin"), "repl", "exit 0");
    mkdirSync(join(upstream, "REPL"));
    writeFileSync(join(upstream, "REPL/JSON.lean"), "structure Command where\n  env : Option Nat\n");
    expect(detectForkRepl(upstreamRepl)).toBe(false);
    expect(detectForkRepl("/cache/augustepoiroux/repl/repl_v1.3.14_lean-toolchain-v4.19.0/.lake/build/bin/repl")).toBe(
      true,
    );
    expect(resolveIncrementalitySupport(parseReplConfig({ replPath: repl }))).toBe(true);
    expect(resolveIncrementalitySupport(parseReplConfig({ replPath: upstreamRepl }))).toBe(false);
    expect(resolveIncrementalitySupport(parseReplConfig({ replPath: repl, replSupportsIncrementality: false }))).toBe(
      false,
    );
    expect(resolveIncrementalitySupport(doubleConfig())).toBe(true);
  });
});

describe("detectRepl / findLean", () => {
  it("returns the setup error as data on a machine without Lean", () => {
    const r = detectRepl({}, { env: { PATH: emptyPath } });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.code).toBe("repl_setup");
  });

  it("returns a resolved config: REPL path, project, version and incrementality support", () => {
    const bin = join(root, "bin4");
    script(bin, "lake", "exit 0");
    const fork = join(root, "augustepoiroux-checkout");
    const repl = script(join(fork, ".lake/build/bin"), "repl", "exit 0");
    const project = join(root, "project4");
    mkdirSync(project);
    writeFileSync(join(project, "lean-toolchain"), "leanprover/lean4:v4.19.0\n");
    const r = detectRepl({}, { env: { PATH: bin, LEANFLEET_REPL: repl, LEANFLEET_PROJECT_DIR: project } });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.config).toMatchObject({
      replPath: repl,
      projectDir: project,
      leanVersion: "4.19.0",
      replSupportsIncrementality: true,
    });
    expect(r.command.args).toEqual(["env", repl]);
  });
});

describe("doubleConfig", () => {
  it("runs the double with Node, marked simulated, without RLIMIT_AS", () => {
    const c = doubleConfig(["--stats"]);
    expect(c.argv?.[0]).toBe(process.execPath);
    expect(c.argv).toContain(DOUBLE_PATH);
    expect(c.argv?.slice(-3)).toEqual(["--lean-version", "4.19.0", "--stats"]);
    expect(existsSync(DOUBLE_PATH)).toBe(true);
    expect(c).toMatchObject({
      simulated: true,
      addressSpaceLimitMiB: null,
      replSupportsIncrementality: true,
      leanVersion: "4.19.0",
    });
    const d = doubleConfig({ flags: ["--lean-version", "4.12.0"], defaultTimeoutMs: 500 });
    expect(d).toMatchObject({ leanVersion: "4.12.0", defaultTimeoutMs: 500 });
    expect(d.argv?.filter((a) => a === "--lean-version")).toHaveLength(1);
  });
});

describe("withAddressSpaceLimit", () => {
  const limitsOf = async (pathVar: string) => {
    const c = withAddressSpaceLimit(
      { file: "/bin/cat", args: ["/proc/self/limits"], cwd: root, env: {} },
      3000,
      pathVar,
    );
    const r = await execa(c.file, c.args, { cwd: c.cwd });
    return { c, limits: r.stdout };
  };

  it.runIf(process.platform === "linux")(
    "uses prlimit when it is on PATH, else `ulimit -v` in sh; both exec the command",
    async () => {
      const withPrlimit = await limitsOf(process.env.PATH ?? "");
      expect(withPrlimit.c.file).toMatch(/prlimit$/);
      expect(withPrlimit.limits).toMatch(new RegExp(`Max address space\\s+${3000 * 1024 * 1024}\\s`));
      const withSh = await limitsOf(emptyPath);
      expect(withSh.c.file).toBe("/bin/sh");
      expect(withSh.limits).toMatch(new RegExp(`Max address space\\s+${3000 * 1024 * 1024}\\s`));
    },
  );

  it("leaves the command alone without a limit", () => {
    const c = { file: "/bin/true", args: [], cwd: root, env: {} };
    expect(withAddressSpaceLimit(c, null)).toBe(c);
  });
});
