// Finding a REPL on this machine: its command line (or one message saying what is missing and how to install it),
// the Lean version it runs, and whether it is the fork (which understands `incrementality`).
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { execaSync } from "execa";
import { parseReplConfig, type LeanReplConfig, type LeanReplConfigInput } from "../config.js";
import { ReplSetupError } from "../errors.js";
import { findExecutable, type ReplCommand } from "../process/command.js";

/** Names of the environment variables the REPL unit reads when no path is configured. */
export const REPL_ENV = {
  /** Path of the REPL executable (`<repl>/.lake/build/bin/repl`). */
  repl: "LEANFLEET_REPL",
  /** The Lake project the REPL runs in (`lake env`); unset: plain Lean, no packages. */
  projectDir: "LEANFLEET_PROJECT_DIR",
} as const;

/** Where environment-dependent lookups read from (injectable for tests). */
export interface LookupOptions {
  /** @default - process.env */
  env?: NodeJS.ProcessEnv;
}

/**
 * The command line for a configuration. Throws one {@link ReplSetupError} saying what is missing and how to
 * install it when no REPL (or no `lake` for a project) can be found.
 */
export function resolveReplCommand(config: LeanReplConfig, opts: LookupOptions = {}): ReplCommand {
  const env = opts.env ?? process.env;
  const base = { env: config.env };
  if (config.argv) {
    const [file, ...args] = config.argv;
    const found = findExecutable(file!, env.PATH);
    if (found === null)
      throw new ReplSetupError(
        `LeanReplConfig.argv: ${JSON.stringify(file)} is not an executable file (nor found on PATH); fix argv[0]`,
        { field: "argv" },
      );
    return { ...base, file: found, args, cwd: resolve(config.cwd ?? config.projectDir ?? process.cwd()) };
  }
  const replPath =
    config.replPath ?? (env[REPL_ENV.repl] || undefined) ?? findExecutable("repl", env.PATH) ?? undefined;
  const projectDir = config.projectDir ?? (env[REPL_ENV.projectDir] || undefined);
  const problems: string[] = [];
  const repl = replPath === undefined ? null : findExecutable(replPath, env.PATH);
  if (replPath === undefined) {
    problems.push(
      "no Lean REPL: neither replPath/argv in the config, nor LEANFLEET_REPL, nor a `repl` executable on PATH",
    );
  } else if (repl === null) {
    problems.push(`the REPL ${JSON.stringify(replPath)} does not exist or is not executable`);
  }
  if (projectDir !== undefined && !existsSync(projectDir))
    problems.push(`the project directory ${JSON.stringify(projectDir)} does not exist`);
  const lake = projectDir !== undefined ? findExecutable(config.lakePath, env.PATH) : null;
  if (projectDir !== undefined && lake === null)
    problems.push(`\`${config.lakePath}\` is not on PATH (elan is not installed)`);
  if (problems.length > 0) throw setupError(problems, config, projectDir);
  if (projectDir === undefined) return { ...base, file: repl!, args: [], cwd: resolve(config.cwd ?? process.cwd()) };
  return { ...base, file: lake!, args: ["env", repl!], cwd: resolve(config.cwd ?? projectDir) };
}

function setupError(problems: string[], config: LeanReplConfig, projectDir: string | undefined): ReplSetupError {
  const toolchain = (projectDir && readToolchain(projectDir)) || null;
  const tag = `${config.forkReplRev}_lean-toolchain-${toolchain ? `v${toolchain}` : "<your toolchain, e.g. v4.19.0>"}`;
  const message =
    `Cannot start a Lean REPL: ${problems.join("; ")}. To install: ` +
    `(1) elan and Lean: curl https://raw.githubusercontent.com/leanprover/elan/master/elan-init.sh -sSf | sh ; ` +
    `(2) the REPL at the tag matching your project's lean-toolchain: git clone --branch ${tag} https://github.com/augustepoiroux/repl && cd repl && lake build ; ` +
    `(3) export LEANFLEET_REPL=$PWD/.lake/build/bin/repl (and LEANFLEET_PROJECT_DIR=<your Lake project>), or pass replPath/projectDir. ` +
    `Without Lean, use the simulated REPL double (--simulate); its answers are marked simulated.`;
  return new ReplSetupError(message, { problems, tag });
}

// ---------------------------------------------------------------------------------------------------------------
// Versions and capabilities

/**
 * Normalise a Lean version as written in a `lean-toolchain` (`leanprover/lean4:v4.19.0`), a tag (`v4.19.0-rc1`)
 * or `lean --version` output (`Lean (version 4.19.0, x86_64-unknown-linux-gnu, ...)`) to `4.19.0[-rc1]`; null for
 * nightlies and anything unrecognised.
 */
export function parseLeanVersion(text: string): string | null {
  const m = /(?:^|[:\s(v])v?(\d+\.\d+\.\d+(?:-rc\d+)?)(?=$|[\s,)])/.exec(text.trim());
  return m ? m[1]! : null;
}

/** True when parallel elaboration (`Elab.async`) is supported: Lean 4.19 or later (release candidates included). */
export function supportsParallelElaboration(version: string | null | undefined): boolean {
  const v = version ? parseLeanVersion(version) : null;
  if (v === null) return false;
  const [major, minor] = v.split(/[.-]/).map(Number) as [number, number];
  return major > 4 || (major === 4 && minor >= 19);
}

function readToolchain(projectDir: string): string | null {
  try {
    return parseLeanVersion(readFileSync(join(projectDir, "lean-toolchain"), "utf8"));
  } catch {
    return null;
  }
}

/**
 * The Lean version a configuration runs: explicit `leanVersion`, else the project's `lean-toolchain`, else
 * `lean --version` (run in the project directory so elan picks the project's toolchain); null when unknown.
 */
export function detectLeanVersion(config: LeanReplConfig, opts: LookupOptions = {}): string | null {
  if (config.leanVersion) return parseLeanVersion(config.leanVersion) ?? config.leanVersion;
  if (config.leanVersion === null) return null;
  const env = opts.env ?? process.env;
  const projectDir = config.projectDir ?? (env[REPL_ENV.projectDir] || undefined);
  const fromToolchain = projectDir ? readToolchain(projectDir) : null;
  if (fromToolchain) return fromToolchain;
  const lean = findExecutable("lean", env.PATH);
  if (lean === null) return null;
  try {
    const r = execaSync(lean, ["--version"], { cwd: projectDir ?? process.cwd(), env, timeout: 15_000, reject: false });
    return r.exitCode === 0 ? parseLeanVersion(String(r.stdout)) : null;
  } catch {
    return null;
  }
}

/**
 * True when a REPL binary belongs to the fork augustepoiroux/repl, which has `incrementality`: its checkout
 * (`<repl>/.lake/build/bin/repl` → `<repl>`) has `REPL/JSON.lean` mentioning `incrementality`, or its path or git
 * remote names the fork (`augustepoiroux`, or LeanInteract's `repl_v1.x.y_lean-toolchain-...` cache directories).
 */
export function detectForkRepl(replPath: string): boolean {
  const abs = resolve(replPath);
  if (/augustepoiroux|repl_v\d+\.\d+\.\d+_lean-toolchain-/.test(abs)) return true;
  const checkout = dirname(dirname(dirname(dirname(abs))));
  const read = (p: string) => {
    try {
      return readFileSync(join(checkout, p), "utf8");
    } catch {
      return "";
    }
  };
  return read("REPL/JSON.lean").includes("incrementality") || read(".git/config").includes("augustepoiroux/repl");
}

/** Resolve `replSupportsIncrementality: "auto"`: the double supports it; a REPL path is checked with {@link detectForkRepl}. */
export function resolveIncrementalitySupport(config: LeanReplConfig, opts: LookupOptions = {}): boolean {
  if (config.replSupportsIncrementality !== "auto") return config.replSupportsIncrementality;
  if (config.simulated) return true;
  if (config.argv) return false;
  const replPath = config.replPath ?? ((opts.env ?? process.env)[REPL_ENV.repl] || undefined);
  return replPath !== undefined && detectForkRepl(replPath);
}

// ---------------------------------------------------------------------------------------------------------------
// Finding a REPL

/** Result of {@link detectRepl}: a ready configuration, or the setup error as data. */
export type DetectedRepl =
  { ok: true; config: LeanReplConfig; command: ReplCommand } | { ok: false; error: ReplSetupError };

/**
 * Find a real REPL for this machine: the given config (or env `LEANFLEET_REPL` / `LEANFLEET_PROJECT_DIR` / PATH),
 * with its Lean version and incrementality support resolved. Never throws for a missing installation.
 */
export function detectRepl(input: LeanReplConfigInput = {}, opts: LookupOptions = {}): DetectedRepl {
  try {
    const env = opts.env ?? process.env;
    const parsed = parseReplConfig(input);
    const command = resolveReplCommand(parsed, { env });
    const replPath = parsed.argv ? parsed.replPath : (parsed.replPath ?? command.args.at(-1) ?? command.file);
    const projectDir = parsed.projectDir ?? (parsed.argv ? undefined : env[REPL_ENV.projectDir] || undefined);
    const config: LeanReplConfig = {
      ...parsed,
      ...(replPath ? { replPath } : {}),
      ...(projectDir ? { projectDir } : {}),
    };
    config.leanVersion = detectLeanVersion(config, { env });
    config.replSupportsIncrementality = resolveIncrementalitySupport(config, { env });
    return { ok: true, config, command };
  } catch (err) {
    if (err instanceof ReplSetupError) return { ok: false, error: err };
    throw err;
  }
}

/** Same as {@link detectRepl} (the name the local cluster uses). */
export const findLean = detectRepl;
