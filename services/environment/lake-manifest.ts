// Read `lake-manifest.json` in every version Lake has written since 7 (7, "1.0.0", "1.1.0", "1.2.0"): the project's
// name and, per package, where it comes from and the revision Lake resolved.
import { LeanFleetError } from "../core/index.js";

/** One package of a Lake project, as its manifest resolved it. */
export interface LakePackage {
  name: string;
  /** `git` (fetched at `rev`) or `path` (a local directory, no revision). */
  type: "git" | "path";
  /** Git URL (git packages). */
  url?: string;
  /** The commit Lake resolved (git packages). */
  rev?: string;
  /** What the lakefile asked for (a tag or branch), when recorded. */
  inputRev?: string | null;
  /** Local directory (path packages). */
  dir?: string;
  /** Reservoir scope (from "1.1.0"). */
  scope?: string;
  /** True for a dependency of a dependency. */
  inherited?: boolean;
}

/** A parsed manifest. */
export interface LakeManifest {
  /** The manifest version as written: a number up to 7, then a semver string. */
  version: number | string;
  /** The root package's name (`«…»` unquoted); null when absent. */
  name: string | null;
  packages: LakePackage[];
}

/** A manifest Lake itself would refuse (or that is not one). */
export class LakeManifestError extends LeanFleetError {
  constructor(message: string, options?: ErrorOptions) {
    super("bad_lake_manifest", message, {}, options);
  }
}

const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);

function unquote(name: string): string {
  return name.startsWith("«") && name.endsWith("»") ? name.slice(1, -1) : name;
}

/** Version 6 and earlier nest a git entry as `{"git": {...}}` / `{"path": {...}}`; 7 on put `type` inside. */
function entryOf(raw: unknown, index: number): LakePackage {
  if (typeof raw !== "object" || raw === null) throw new LakeManifestError(`packages[${index}] is not an object`);
  const o = raw as Record<string, unknown>;
  const nested = (o.git ?? o.path) as Record<string, unknown> | undefined;
  const e = nested && typeof nested === "object" ? { ...nested, type: o.git ? "git" : "path" } : o;
  const type = e.type === "git" || e.type === "path" ? e.type : undefined;
  const name = str(e.name);
  if (type === undefined || name === undefined)
    throw new LakeManifestError(`packages[${index}] has no "type" ("git" or "path") or no "name"`);
  const inputRev = e.inputRev ?? e["inputRev?"];
  const pkg: LakePackage = { name: unquote(name), type };
  if (type === "git") {
    const url = str(e.url);
    const rev = str(e.rev);
    if (url === undefined || rev === undefined)
      throw new LakeManifestError(`packages[${index}] (${name}) is a git package without "url" or "rev"`);
    pkg.url = url;
    pkg.rev = rev;
    pkg.inputRev = typeof inputRev === "string" ? inputRev : null;
  } else {
    pkg.dir = str(e.dir) ?? "";
  }
  if (typeof e.scope === "string") pkg.scope = e.scope;
  if (typeof e.inherited === "boolean") pkg.inherited = e.inherited;
  return pkg;
}

/**
 * Parse a `lake-manifest.json`. Accepts the versions Lake reads (5 to 7, and "1.x.y"; `version` or `schemaVersion`),
 * refuses older ones and higher majors the way Lake does, with the reason.
 */
export function parseLakeManifest(text: string): LakeManifest {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new LakeManifestError(`not JSON (${(err as Error).message})`);
  }
  if (typeof json !== "object" || json === null || Array.isArray(json))
    throw new LakeManifestError("not a JSON object");
  const o = json as Record<string, unknown>;
  const version = o.version ?? o.schemaVersion;
  if (typeof version === "number") {
    if (!Number.isInteger(version) || version < 5 || version > 7)
      throw new LakeManifestError(`incompatible manifest version '${version}' (Lake reads 5 to 7, then "1.x.y")`);
  } else if (typeof version === "string") {
    const m = /^(\d+)\.(\d+)\.(\d+)$/.exec(version);
    if (!m) throw new LakeManifestError(`manifest version ${JSON.stringify(version)} is not a semantic version`);
    if (Number(m[1]) !== 1)
      throw new LakeManifestError(
        `schema version '${version}' is of a higher major version than this reader's '1.x.y'`,
      );
  } else {
    throw new LakeManifestError('no "version" field');
  }
  if (!Array.isArray(o.packages)) throw new LakeManifestError('no "packages" array');
  const name = str(o.name);
  return {
    version,
    name: name === undefined ? null : unquote(name),
    packages: o.packages.map(entryOf),
  };
}
