// LeanReplConfig: where the REPL and its Lake project are, which Lean version they run, and the supervision limits;
// plus finding a REPL on this machine (or saying, in one message, what is missing and how to install it).
import { accessSync, constants, existsSync, readFileSync, statSync } from "node:fs";
import { delimiter, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { execaSync } from "execa";
import { z } from "zod";
import { ReplSetupError } from "./errors.js";

/** Every default of the REPL layer, in one place (units in the names). */
export const LEAN_REPL_DEFAULTS = {
  /** Command that runs Lake (used as `lake env <replPath>` when a projectDir is given). @default "lake" */
  lakePath: "lake",
  /** True when the REPL is the test double: every answer is then marked `simulated`. @default false */
  simulated: false,
  /**
   * Whether the REPL understands the fork's `incrementality` flag. `"auto"`: true for the double and for a REPL
   * recognised as augustepoiroux/repl (see {@link detectForkRepl}); false otherwise (upstream has no such flag).
   * @default "auto"
   */
  replSupportsIncrementality: "auto" as boolean | "auto",
  /** Send `incrementality: true` (when the REPL supports it) so Lean reuses already elaborated prefixes. @default true */
  enableIncrementalOptimization: true,
  /** Turn on Lean's parallel elaboration (`Elab.async`), only for Lean >= 4.19 (see elab-options.ts). @default true */
  enableParallelElaboration: true,
  /**
   * Per-REPL memory budget: the RSS watchdog kills a REPL process tree above it, and AutoLeanServer restarts one
   * above `maxProcessMemory` x this. null disables both. @default 8192 (Kimina's per-REPL cap; LeanInteract
   * recommends >= 8 GB when RLIMIT_AS is used)
   */
  memoryHardLimitMiB: 8192 as number | null,
  /** Fraction of memoryHardLimitMiB above which a REPL is restarted before its next request. @default 0.8 */
  maxProcessMemory: 0.8,
  /** Fraction of the container's memory limit above which the REPL is restarted before its next request. @default 0.8 */
  maxTotalMemory: 0.8,
  /** Restarts tried while memory stays over a threshold (and failed spawns) before giving up. @default 5 */
  maxRestartAttempts: 5,
  /** Base of the exponential backoff between repeated restarts: base, 2 x base, 4 x base, ... @default 1000 */
  restartBackoffMs: 1000,
  /** Times a request that died with its REPL (crash, memory kill) is retried on a fresh REPL. @default 1 (2 attempts) */
  maxCrashRetries: 1,
  /**
   * Restart a REPL after this many requests (the REPL never frees state). null: only the memory thresholds recycle,
   * because every restart throws away the imported header and the prefix caches. @default null
   */
  maxRequestsPerRepl: null as number | null,
  /** Per-request timeout when the caller gives none; a cold `import Mathlib` can take a minute. @default 120000 */
  defaultTimeoutMs: 120_000,
  /** Time between SIGTERM and SIGKILL when a REPL process group is stopped. @default 1000 */
  killGraceMs: 1000,
  /** Bytes of REPL stderr kept in the ring buffer (it is always drained, so a chatty REPL never stalls). @default 65536 */
  stderrTailBytes: 64 * 1024,
  /** Bytes of the stderr tail put into error reports. @default 1024 */
  stderrReportBytes: 1024,
  /** Interval of the RSS watchdog while a request runs. @default 250 */
  rssSampleIntervalMs: 250,
  /** Handle records kept by a SessionCache (least recently used evicted first). @default 10000 */
  handleCacheMaxRecords: 10_000,
  /** The fork release whose per-toolchain tags (`v1.3.14_lean-toolchain-v4.19.0`) the install hint names. @default "v1.3.14" */
  forkReplRev: "v1.3.14",
} as const;

const fraction = z.number().gt(0).max(1);
const count = z.number().int().nonnegative();
const configSchema = z.strictObject({
  argv: z.array(z.string().min(1)).min(1, { error: "argv needs at least the program to run" }).optional(),
  replPath: z.string().min(1).optional(),
  projectDir: z.string().min(1).optional(),
  lakePath: z.string().min(1).default(LEAN_REPL_DEFAULTS.lakePath),
  cwd: z.string().min(1).optional(),
  env: z.record(z.string(), z.string()).default({}),
  simulated: z.boolean().default(LEAN_REPL_DEFAULTS.simulated),
  leanVersion: z.string().min(1).nullable().optional(),
  replSupportsIncrementality: z.union([z.boolean(), z.literal("auto")]).default(LEAN_REPL_DEFAULTS.replSupportsIncrementality),
  enableIncrementalOptimization: z.boolean().default(LEAN_REPL_DEFAULTS.enableIncrementalOptimization),
  enableParallelElaboration: z.boolean().default(LEAN_REPL_DEFAULTS.enableParallelElaboration),
  memoryHardLimitMiB: z.number().int().positive().nullable().default(LEAN_REPL_DEFAULTS.memoryHardLimitMiB),
  addressSpaceLimitMiB: z.number().int().positive().nullable().optional(),
  maxProcessMemory: fraction.default(LEAN_REPL_DEFAULTS.maxProcessMemory),
  maxTotalMemory: fraction.default(LEAN_REPL_DEFAULTS.maxTotalMemory),
  maxRestartAttempts: count.default(LEAN_REPL_DEFAULTS.maxRestartAttempts),
  restartBackoffMs: count.default(LEAN_REPL_DEFAULTS.restartBackoffMs),
  maxCrashRetries: count.default(LEAN_REPL_DEFAULTS.maxCrashRetries),
  maxRequestsPerRepl: z.number().int().positive().nullable().default(LEAN_REPL_DEFAULTS.maxRequestsPerRepl),
  defaultTimeoutMs: z.number().int().positive().default(LEAN_REPL_DEFAULTS.defaultTimeoutMs),
  killGraceMs: count.default(LEAN_REPL_DEFAULTS.killGraceMs),
  stderrTailBytes: z.number().int().positive().default(LEAN_REPL_DEFAULTS.stderrTailBytes),
  stderrReportBytes: z.number().int().positive().default(LEAN_REPL_DEFAULTS.stderrReportBytes),
  rssSampleIntervalMs: z.number().int().positive().default(LEAN_REPL_DEFAULTS.rssSampleIntervalMs),
  handleCacheMaxRecords: z.number().int().positive().default(LEAN_REPL_DEFAULTS.handleCacheMaxRecords),
  forkReplRev: z.string().min(1).default(LEAN_REPL_DEFAULTS.forkReplRev),
});

/**
 * A validated REPL configuration. How the REPL is found, in order: `argv` (an explicit command line, e.g. the
 * double); `replPath` (+ `projectDir`: run `lake env <replPath>` in it, so the project's imports resolve); env
 * `LEANFLEET_REPL` (+ `LEANFLEET_PROJECT_DIR`); a `repl` executable on PATH. Other fields: see {@link LEAN_REPL_DEFAULTS};
 * `cwd` (the REPL's working directory, @default - projectDir, else the current directory), `env` (extra environment
 * variables for the REPL, @default {}), `leanVersion` (@default - from `<projectDir>/lean-toolchain`, else
 * `lean --version`), `addressSpaceLimitMiB` (RLIMIT_AS on Linux, @default - memoryHardLimitMiB; null: no RLIMIT_AS,
 * needed for Node-based REPLs such as the double, whose V8 reserves about 1 GiB of address space at start).
 */
export type LeanReplConfig = z.infer<typeof configSchema>;
/** What a caller may pass: every field optional, defaults filled by {@link parseReplConfig}. */
export type LeanReplConfigInput = z.input<typeof configSchema>;

/** Validate a configuration once (in a composition root) and fill its defaults; throws ReplSetupError naming the field. */
export function parseReplConfig(input: LeanReplConfigInput = {}): LeanReplConfig {
  const parsed = configSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ReplSetupError(`LeanReplConfig.${issue.path.join(".") || "(root)"}: ${issue.message}`, { field: issue.path.join(".") });
  }
  return parsed.data;
}

/** The process to spawn for a REPL: file, arguments, working directory and extra environment. */
export interface ReplCommand {
  file: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
}

/** Where environment-dependent lookups read from (injectable for tests). */
export interface LookupOptions {
  /** @default - process.env */
  env?: NodeJS.ProcessEnv;
}

/** Find an executable by name on a PATH string; null when absent. Names with a slash are checked as paths. */
export function findExecutable(name: string, pathVar: string | undefined): string | null {
  const candidates = name.includes("/") ? [resolve(name)] : (pathVar ?? "").split(delimiter).filter(Boolean).map((d) => join(d, name));
  for (const c of candidates) {
    try {
      accessSync(c, constants.X_OK);
      if (statSync(c).isFile()) return c;
    } catch {
      // not here
    }
  }
  return null;
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
    if (found === null) throw new ReplSetupError(`LeanReplConfig.argv: ${JSON.stringify(file)} is not an executable file (nor found on PATH); fix argv[0]`, { field: "argv" });
    return { ...base, file: found, args, cwd: resolve(config.cwd ?? config.projectDir ?? process.cwd()) };
  }
  const replPath = config.replPath ?? (env.LEANFLEET_REPL || undefined) ?? findExecutable("repl", env.PATH) ?? undefined;
  const projectDir = config.projectDir ?? (env.LEANFLEET_PROJECT_DIR || undefined);
  const problems: string[] = [];
  const repl = replPath === undefined ? null : findExecutable(replPath, env.PATH);
  if (replPath === undefined) {
    problems.push("no Lean REPL: neither replPath/argv in the config, nor LEANFLEET_REPL, nor a `repl` executable on PATH");
  } else if (repl === null) {
    problems.push(`the REPL ${JSON.stringify(replPath)} does not exist or is not executable`);
  }
  if (projectDir !== undefined && !existsSync(projectDir)) problems.push(`the project directory ${JSON.stringify(projectDir)} does not exist`);
  const lake = projectDir !== undefined ? findExecutable(config.lakePath, env.PATH) : null;
  if (projectDir !== undefined && lake === null) problems.push(`\`${config.lakePath}\` is not on PATH (elan is not installed)`);
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
  const projectDir = config.projectDir ?? (env.LEANFLEET_PROJECT_DIR || undefined);
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
  const replPath = config.replPath ?? ((opts.env ?? process.env).LEANFLEET_REPL || undefined);
  return replPath !== undefined && detectForkRepl(replPath);
}

// ---------------------------------------------------------------------------------------------------------------
// Finding a REPL, and the double

/** Result of {@link detectRepl}: a ready configuration, or the setup error as data. */
export type DetectedRepl =
  | { ok: true; config: LeanReplConfig; command: ReplCommand }
  | { ok: false; error: ReplSetupError };

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
    const projectDir = parsed.projectDir ?? (parsed.argv ? undefined : (env.LEANFLEET_PROJECT_DIR || undefined));
    const config: LeanReplConfig = { ...parsed, ...(replPath ? { replPath } : {}), ...(projectDir ? { projectDir } : {}) };
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

/** The repository root (two levels above services/repl). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
/** Path of the REPL double's entry point. */
export const DOUBLE_PATH = join(REPO_ROOT, "test/fixtures/repl-double.ts");
/** Lean version the double reports unless told otherwise. @default "4.19.0" */
export const DOUBLE_DEFAULT_LEAN_VERSION = "4.19.0";

/** Options of {@link doubleConfig}: the double's flags, the version it reports, and config overrides. */
export interface DoubleConfigOptions extends LeanReplConfigInput {
  /** Extra flags for the double, e.g. `["--import-cost", "Mathlib=2000:1500", "--stats"]`. @default [] */
  flags?: string[];
}

/**
 * A configuration that runs the REPL double (`node test/fixtures/repl-double.ts ...flags`), marked simulated,
 * with incrementality support and no RLIMIT_AS (V8 reserves too much address space for it to be meaningful; the
 * RSS watchdog still applies). Accepts the flags alone, or options with `flags` plus any config field.
 */
export function doubleConfig(opts: DoubleConfigOptions | string[] = {}): LeanReplConfig {
  const { flags = [], ...rest } = Array.isArray(opts) ? { flags: opts } : opts;
  const flagAt = flags.indexOf("--lean-version");
  const leanVersion = (flagAt >= 0 ? flags[flagAt + 1] : undefined) ?? rest.leanVersion ?? DOUBLE_DEFAULT_LEAN_VERSION;
  const versionFlags = flagAt >= 0 ? [] : ["--lean-version", leanVersion];
  return parseReplConfig({
    simulated: true,
    replSupportsIncrementality: true,
    addressSpaceLimitMiB: null,
    ...rest,
    leanVersion,
    argv: [process.execPath, "--disable-warning=ExperimentalWarning", DOUBLE_PATH, ...versionFlags, ...flags],
  });
}
