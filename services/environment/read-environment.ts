// Read the environment record of a worker from what really runs: `lean --version`, the project's checkout and
// lake-manifest.json, the REPL's checkout, the strict-stage tools, the image digest and LeanFleet's version.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import packageJson from "../../package.json" with { type: "json" };
import { execaRunner, runText, which, type CommandRunner } from "./command-runner.js";
import { readCheckout } from "./git-checkout.js";
import {
  isMissing,
  type EnvironmentRecord,
  type Missing,
  type ProjectRecord,
  type ReplRecord,
  type ToolRecord,
} from "./environment-record.js";
import { LakeManifestError, parseLakeManifest } from "./lake-manifest.js";
import { parseLeanVersionOutput } from "./lean-version.js";

/** LeanFleet's own version (package.json). */
export const LEANFLEET_VERSION: string = packageJson.version;

/** Names of the variables the reader reads (the image sets them; see services/worker/Dockerfile). */
export const ENVIRONMENT_ENV = {
  /** The image's digest or content hash (set by the CDK stack). @default - none: `image` is null */
  imageDigest: "LEANFLEET_IMAGE_DIGEST",
  /** lean4export's binary (comparator's convention). @default - `lean4export` on PATH */
  lean4export: "COMPARATOR_LEAN4EXPORT",
  /** landrun's binary (comparator's convention). @default - `landrun` on PATH */
  landrun: "COMPARATOR_LANDRUN",
  /** The commit landrun was built at (the image sets it). @default - only `landrun --version` */
  landrunRev: "LEANFLEET_LANDRUN_REV",
} as const;

/** What the reader is told by the composition root (the rest it reads itself). */
export interface ReadEnvironmentInput {
  /** The REPL is the double. */
  simulated: boolean;
  /** The double's command line (run with `--version` appended) when simulated. */
  replArgv?: readonly string[];
  /** The REPL binary (a real REPL): its checkout is four levels up (`<checkout>/.lake/build/bin/repl`). */
  replPath?: string;
  /** `fork` when the REPL has incrementality, else `upstream` (ignored when simulated). */
  replFlavor?: "fork" | "upstream";
  /** The fleet's Lake project. */
  projectDir?: string;
  /** The resolved comparator command (null: no strict stage). */
  comparator: readonly string[] | null;
  /** The comparator is the comparator double. */
  comparatorIsDouble?: boolean;
  /** @default process.env */
  env?: Record<string, string | undefined>;
  /** @default - execa with a 30 s timeout */
  run?: CommandRunner;
}

async function readLean(
  input: ReadEnvironmentInput,
  run: CommandRunner,
  env: Record<string, string | undefined>,
): Promise<EnvironmentRecord["lean"]> {
  let out: { text: string } | Missing;
  let shown: string;
  if (input.simulated) {
    const argv = input.replArgv ?? [];
    if (argv.length === 0) return { missing: "the REPL double's command line was not given" };
    shown = `${argv.join(" ")} --version`;
    out = await runText(run, argv[0]!, [...argv.slice(1), "--version"], undefined, env);
  } else {
    const lean = which("lean", env.PATH);
    if (lean === undefined) return { missing: "`lean` is not on PATH" };
    shown = "lean --version";
    // In the project (else the REPL's checkout) so that elan picks the toolchain the REPL really runs.
    out = await runText(run, lean, ["--version"], input.projectDir ?? replCheckoutDir(input.replPath), env);
  }
  if (isMissing(out)) return out;
  const parsed = parseLeanVersionOutput(out.text);
  if (parsed === null)
    return {
      missing: `\`${shown}\` printed no "Lean (version …)" line: ${JSON.stringify(out.text.trim().slice(0, 200))}`,
    };
  const toolchainFile = input.projectDir ? join(input.projectDir, "lean-toolchain") : undefined;
  let toolchain: string | null = null;
  if (toolchainFile && existsSync(toolchainFile)) toolchain = readFileSync(toolchainFile, "utf8").trim() || null;
  return { ...parsed, toolchain };
}

function readProject(projectDir: string | undefined, simulated: boolean): EnvironmentRecord["project"] {
  if (projectDir === undefined) {
    return {
      missing: simulated
        ? "the REPL double runs without a Lake project (no LEANFLEET_PROJECT_DIR): it has no packages"
        : "no Lake project: LEANFLEET_PROJECT_DIR is not set (plain Lean, no packages)",
    };
  }
  const manifestPath = join(projectDir, "lake-manifest.json");
  let manifest: ProjectRecord["manifest"];
  if (!existsSync(manifestPath)) manifest = { missing: `lake-manifest.json not found at ${manifestPath}` };
  else {
    try {
      const m = parseLakeManifest(readFileSync(manifestPath, "utf8"));
      manifest = { version: m.version, name: m.name, packages: m.packages };
    } catch (err) {
      if (!(err instanceof LakeManifestError)) throw err;
      manifest = { missing: `${manifestPath}: ${err.message}` };
    }
  }
  return { checkout: readCheckout(projectDir), manifest };
}

function replCheckoutDir(replPath: string | undefined): string | undefined {
  return replPath ? dirname(dirname(dirname(dirname(replPath)))) : undefined;
}

function readRepl(input: ReadEnvironmentInput): EnvironmentRecord["repl"] {
  if (input.simulated)
    return {
      flavor: "double",
      checkout: { url: null, rev: `leanfleet-${LEANFLEET_VERSION}` },
    } satisfies ReplRecord;
  const dir = replCheckoutDir(input.replPath);
  if (dir === undefined)
    return {
      missing: "the REPL's path is unknown (LEANFLEET_REPL unset and no repl on PATH)",
    };
  return {
    flavor: input.replFlavor ?? "upstream",
    checkout: readCheckout(dir),
  };
}

/** The stand-ins of the strict-stage tools when the comparator double runs against the REPL double. */
function doubleTools(): EnvironmentRecord["tools"] {
  const standIn = {
    missing: "the comparator double stands in for comparator, lean4export and landrun",
  };
  return {
    comparator: {
      version: `leanfleet-${LEANFLEET_VERSION}`,
      source: "the comparator double (a simulated stand-in)",
      simulated: true,
    },
    lean4export: standIn,
    landrun: standIn,
    leanchecker: { missing: "the REPL double has no Lean toolchain" },
  };
}

/** The comparator's checkout (two levels above its binary), and that directory for the tools built with it. */
function readComparator(command: readonly string[] | null): { record: ToolRecord | Missing; dir?: string } {
  if (command === null)
    return {
      record: { missing: "no comparator (LEANFLEET_COMPARATOR=none, or none on PATH): strict jobs are rejected" },
    };
  const bin = command.at(-1)!;
  const dir = dirname(dirname(bin));
  const checkout = readCheckout(dir);
  return {
    record: isMissing(checkout)
      ? { missing: `comparator ${bin}: ${checkout.missing}` }
      : { version: checkout.rev, source: checkout.url ?? dir },
    dir,
  };
}

/** lean4export: built as comparator's dependency, so its revision is in comparator's lake-manifest.json. */
function readLean4export(
  comparatorDir: string | undefined,
  env: Record<string, string | undefined>,
): ToolRecord | Missing {
  const exporterPath = env[ENVIRONMENT_ENV.lean4export] || which("lean4export", env.PATH);
  if (!exporterPath) return { missing: "lean4export not found (COMPARATOR_LEAN4EXPORT unset, none on PATH)" };
  const manifestPath = comparatorDir ? join(comparatorDir, "lake-manifest.json") : undefined;
  let pkg;
  try {
    pkg =
      manifestPath && existsSync(manifestPath)
        ? parseLakeManifest(readFileSync(manifestPath, "utf8")).packages.find((p) => p.name === "lean4export")
        : undefined;
  } catch {
    pkg = undefined;
  }
  return pkg?.rev
    ? {
        version: pkg.rev,
        source: pkg.url ?? "comparator's lake-manifest.json",
      }
    : {
        missing: `lean4export at ${exporterPath}, but no comparator lake-manifest.json records its revision`,
      };
}

/** landrun: its `--version`, with the commit the image built it at when the image says so. */
async function readLandrun(run: CommandRunner, env: Record<string, string | undefined>): Promise<ToolRecord | Missing> {
  const landrunPath = env[ENVIRONMENT_ENV.landrun] || which("landrun", env.PATH);
  if (!landrunPath) return { missing: "landrun not found (COMPARATOR_LANDRUN unset, none on PATH)" };
  const out = await runText(run, landrunPath, ["--version"], undefined, env);
  const rev = env[ENVIRONMENT_ENV.landrunRev];
  return isMissing(out)
    ? out
    : {
        version: `${out.text.trim()}${rev ? ` (${rev})` : ""}`,
        source: rev ? "https://github.com/Zouuup/landrun" : landrunPath,
      };
}

/** leanchecker: part of the Lean toolchain, so it has Lean's version. */
function readLeanchecker(
  lean: EnvironmentRecord["lean"],
  env: Record<string, string | undefined>,
): ToolRecord | Missing {
  const checker = which("leanchecker", env.PATH);
  if (checker === undefined) return { missing: "leanchecker is not on PATH" };
  return isMissing(lean)
    ? {
        missing: `leanchecker at ${checker}, but Lean's version is unknown: ${lean.missing}`,
      }
    : { version: lean.version, source: "the Lean toolchain" };
}

async function readTools(
  input: ReadEnvironmentInput,
  lean: EnvironmentRecord["lean"],
  run: CommandRunner,
  env: Record<string, string | undefined>,
): Promise<EnvironmentRecord["tools"]> {
  if (input.simulated && input.comparatorIsDouble) return doubleTools();
  const comparator = readComparator(input.comparator);
  return {
    comparator: comparator.record,
    lean4export: readLean4export(comparator.dir, env),
    landrun: await readLandrun(run, env),
    leanchecker: readLeanchecker(lean, env),
  };
}

/** Read the environment record. Never throws for a missing piece: it is named in the record instead. */
export async function readEnvironment(input: ReadEnvironmentInput): Promise<EnvironmentRecord> {
  const env = input.env ?? process.env;
  const run = input.run ?? execaRunner;
  const lean = await readLean(input, run, env);
  const digest = env[ENVIRONMENT_ENV.imageDigest]?.trim();
  return {
    v: 1,
    simulated: input.simulated,
    lean,
    project: readProject(input.projectDir, input.simulated),
    repl: readRepl(input),
    tools: await readTools(input, lean, run, env),
    image: digest ? { digest } : null,
    leanfleet: { version: LEANFLEET_VERSION },
  };
}
