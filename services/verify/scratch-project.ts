// A scratch Lake project per strict check: `Challenge` (the statement) and `Solution` (the candidate) as their own
// libraries, requiring the fleet's project by path and sharing its already built packages read-only, so nothing the
// candidate does touches the fleet's project and no package is fetched or rebuilt.
import { existsSync, readFileSync } from "node:fs";
import { copyFile, mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { LeanFleetError } from "../core/index.js";

/** Module names of comparator's two sides. */
export const CHALLENGE_MODULE = "Challenge";
export const SOLUTION_MODULE = "Solution";
/** Name of the scratch package (a plain identifier, so Lake needs no «» escapes). */
export const SCRATCH_PACKAGE = "leanfleet_strict";

/** comparator's configuration file (leanprover/comparator Main.lean `Config`). */
export interface ComparatorConfig {
  challenge_module: string;
  solution_module: string;
  theorem_names: string[];
  permitted_axioms: string[];
  definition_names?: string[];
  external_kernels?: Record<string, string[]>;
}

/** The fleet's `lake-manifest.json` cannot back a scratch project (it names no package). */
export class ScratchManifestError extends LeanFleetError {
  constructor(message: string) {
    super("bad_lake_manifest", message);
  }
}

/** A prepared scratch project; `remove()` deletes it. */
export interface ScratchProject {
  dir: string;
  configPath: string;
  remove(): Promise<void>;
}

/** What goes into a scratch project. */
export interface ScratchInput {
  /** The fleet's Lake project (null for plain Lean: the scratch project then requires nothing). */
  projectDir: string | null;
  challenge: string;
  solution: string;
  config: Omit<ComparatorConfig, "challenge_module" | "solution_module">;
  /** Where scratch directories are made. @default os.tmpdir() */
  root?: string;
}

/** The root package name a manifest records (`«name»` escapes removed), or null when it has none. */
export function manifestPackageName(manifest: { name?: unknown }): string | null {
  if (typeof manifest.name !== "string" || manifest.name === "") return null;
  return manifest.name.replace(/^«(.*)»$/, "$1");
}

/**
 * The scratch project's `lake-manifest.json`: the fleet's project as a path package, and every package of the
 * project's own manifest as inherited (same revisions, found in the shared packages directory), in the manifest
 * version the project's Lake writes.
 */
export function scratchManifest(
  projectDir: string,
  projectManifest: Record<string, unknown>,
  projectName: string,
): Record<string, unknown> {
  const packages = Array.isArray(projectManifest.packages)
    ? (projectManifest.packages as Record<string, unknown>[])
    : [];
  const version = projectManifest.version ?? "1.1.0";
  const scoped = typeof version === "string" && version !== "1.0.0";
  const self: Record<string, unknown> = {
    type: "path",
    ...(scoped ? { scope: "" } : {}),
    name: projectName,
    manifestFile: "lake-manifest.json",
    inherited: false,
    dir: projectDir,
    configFile: existsSync(join(projectDir, "lakefile.toml")) ? "lakefile.toml" : "lakefile.lean",
  };
  return {
    version,
    packagesDir: ".lake/packages",
    packages: [self, ...packages.map((p) => ({ ...p, inherited: true }))],
    name: SCRATCH_PACKAGE,
    lakeDir: ".lake",
    ...("fixedToolchain" in projectManifest ? { fixedToolchain: projectManifest.fixedToolchain } : {}),
  };
}

/** Make a scratch project with the two modules and comparator's config. */
export async function prepareScratch(input: ScratchInput): Promise<ScratchProject> {
  const dir = await mkdtemp(join(input.root ?? tmpdir(), "lf-strict-"));
  const remove = () => rm(dir, { recursive: true, force: true });
  try {
    const libs = `[[lean_lib]]\nname = "${CHALLENGE_MODULE}"\n\n[[lean_lib]]\nname = "${SOLUTION_MODULE}"\n`;
    let lakefile = `name = "${SCRATCH_PACKAGE}"\n\n${libs}`;
    if (input.projectDir !== null) {
      const projectDir = resolve(input.projectDir);
      const manifest = JSON.parse(readFileSync(join(projectDir, "lake-manifest.json"), "utf8")) as Record<
        string,
        unknown
      >;
      const name = manifestPackageName(manifest);
      if (name === null)
        throw new ScratchManifestError(
          `${join(projectDir, "lake-manifest.json")} names no package ("name"); run \`lake update\` there with a newer Lake`,
        );
      lakefile = `name = "${SCRATCH_PACKAGE}"\n\n[[require]]\nname = "${name}"\npath = ${JSON.stringify(projectDir)}\n\n${libs}`;
      await writeFile(
        join(dir, "lake-manifest.json"),
        `${JSON.stringify(scratchManifest(projectDir, manifest, name), null, 1)}\n`,
      );
      await copyFile(join(projectDir, "lean-toolchain"), join(dir, "lean-toolchain"));
      await mkdir(join(dir, ".lake"));
      await symlink(join(projectDir, ".lake", "packages"), join(dir, ".lake", "packages"), "dir");
    }
    await writeFile(join(dir, "lakefile.toml"), lakefile);
    await writeFile(join(dir, `${CHALLENGE_MODULE}.lean`), input.challenge);
    await writeFile(join(dir, `${SOLUTION_MODULE}.lean`), input.solution);
    const config: ComparatorConfig = {
      challenge_module: CHALLENGE_MODULE,
      solution_module: SOLUTION_MODULE,
      ...input.config,
    };
    const configPath = join(dir, "comparator.json");
    await writeFile(configPath, JSON.stringify(config));
    return { dir, configPath, remove };
  } catch (err) {
    await remove();
    throw err;
  }
}
