// The environment record: what checked a verdict (Lean, the Lake project's packages, the REPL, the strict-stage
// tools, the image, LeanFleet), and its id, a short hash of the record's canonical JSON.
import { createHash } from "node:crypto";
import type { LakePackage } from "./lake-manifest.js";
import type { LeanVersion } from "./lean-version.js";

/** A piece that could not be read, with the reason (a path, a command, a variable): named, never guessed. */
export interface Missing {
  missing: string;
}

/** True when a piece of the record is {@link Missing}. */
export function isMissing(v: unknown): v is Missing {
  return typeof v === "object" && v !== null && typeof (v as Missing).missing === "string";
}

/** The Lake project: its own checkout and every package its manifest resolved. */
export interface ProjectRecord {
  /** The project's git remote and commit. */
  checkout: { url: string | null; rev: string } | Missing;
  /** From `lake-manifest.json`. */
  manifest: { version: number | string; name: string | null; packages: LakePackage[] } | Missing;
}

/** The REPL binary. */
export interface ReplRecord {
  /** `upstream` (leanprover-community/repl), `fork` (augustepoiroux/repl) or `double` (simulated). */
  flavor: "upstream" | "fork" | "double";
  /** Git remote and commit of its checkout (the double: LeanFleet's own version instead). */
  checkout: { url: string | null; rev: string } | Missing;
}

/** One strict-stage tool. */
export interface ToolRecord {
  /** The version or revision it reports or was built at. */
  version: string;
  /** Where it came from (a git URL, "the Lean toolchain", "the comparator double"). */
  source: string;
  simulated?: true;
}

/** What checked a verdict. */
export interface EnvironmentRecord {
  v: 1;
  /** True when the REPL is the double: no verdict made here is a Lean verdict. */
  simulated: boolean;
  lean: (LeanVersion & { toolchain: string | null }) | Missing;
  project: ProjectRecord | Missing;
  repl: ReplRecord | Missing;
  tools: {
    comparator: ToolRecord | Missing;
    lean4export: ToolRecord | Missing;
    landrun: ToolRecord | Missing;
    leanchecker: ToolRecord | Missing;
  };
  /** The container image (LEANFLEET_IMAGE_DIGEST); null outside a container image (locally). */
  image: { digest: string } | null;
  leanfleet: { version: string };
}

/** A stored record: the record and its id. */
export type StoredEnvironment = EnvironmentRecord & { id: string };

/** JSON with object keys sorted at every level: equal records give equal text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/** Pattern of an environment id. */
export const ENVIRONMENT_ID = /^env-[0-9a-f]{8}$/;

/** The record's id: `env-` and the first 8 hex digits of the SHA-256 of its canonical JSON (an `id` field is ignored). */
export function environmentId(record: EnvironmentRecord): string {
  const { id: _id, ...rest } = record as EnvironmentRecord & { id?: string };
  return `env-${createHash("sha256").update(canonicalJson(rest)).digest("hex").slice(0, 8)}`;
}

/** Where a record is stored in the bucket. */
export function environmentKey(id: string): string {
  return `environments/${id}.json`;
}

/** Prefix of the markers saying which environments a fleet's workers ran (`<prefix><id>`). */
export function fleetEnvironmentsPrefix(fleet: string): string {
  return `environments/by-fleet/${fleet}/`;
}
