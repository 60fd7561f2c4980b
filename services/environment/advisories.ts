// Advisories: environments whose verdicts have a known soundness issue (a Lean version range, or package
// revisions), from a versioned JSON list shipped in advisories/lean-advisories.json; which of them an environment
// record falls under.
import { z } from "zod";
import shipped from "../../advisories/lean-advisories.json" with { type: "json" };
import { LeanFleetError } from "../core/index.js";
import { isMissing, type EnvironmentRecord } from "./environment-record.js";

const LEAN_VERSION = /^\d+\.\d+\.\d+(-[\w.-]+)?$/;

const advisorySchema = z.strictObject({
  /** Stable id, e.g. `LEAN-2026-14484`. */
  id: z.string().regex(/^[A-Z][A-Z0-9]*(-[A-Za-z0-9]+)+$/),
  affected: z.strictObject({
    /** Lean versions affected: below a version (pre-releases of it included), and/or listed ones. */
    lean: z
      .strictObject({
        below: z.string().regex(LEAN_VERSION).optional(),
        versions: z.array(z.string().regex(LEAN_VERSION)).optional(),
      })
      .optional(),
    /** Package revisions affected (a project's lake-manifest.json), by package name. */
    packages: z
      .array(
        z.strictObject({
          name: z.string().min(1),
          revs: z.array(z.string().regex(/^[0-9a-f]{40}$/)).min(1),
        }),
      )
      .optional(),
  }),
  reason: z.string().min(1),
  link: z.url(),
  /** Also applies to the REPL double's environments (test advisories only: the double has no Lean kernel). @default false */
  simulated: z.boolean().optional(),
});

/** Schema of an advisory list file. */
export const advisoryListSchema = z.looseObject({
  v: z.literal(1),
  advisories: z.array(advisorySchema),
});
/** One advisory. */
export type Advisory = z.infer<typeof advisorySchema>;

/** Parse an advisory list (JSON text); throws naming the file and the problem. */
export function parseAdvisories(text: string, source = "advisory list"): Advisory[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new LeanFleetError(
      "worker_config",
      `${source} is not JSON: ${(err as Error).message}`,
      { source },
      { cause: err },
    );
  }
  const r = advisoryListSchema.safeParse(json);
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw new LeanFleetError("worker_config", `${source}: ${i.path.join(".") || "(root)"}: ${i.message}`, { source });
  }
  return r.data.advisories;
}

/** The list shipped in the repository (advisories/lean-advisories.json). */
export const SHIPPED_ADVISORIES: Advisory[] = parseAdvisories(
  JSON.stringify(shipped),
  "advisories/lean-advisories.json",
);

/** Compare Lean versions: by X.Y.Z, then a pre-release (`-rc2`, `-nightly-…`, `-pre`) before its release. */
export function compareLeanVersions(a: string, b: string): number {
  const parse = (v: string) => {
    const [core, ...rest] = v.split("-");
    return { nums: core!.split(".").map(Number), pre: rest.join("-") };
  };
  const x = parse(a);
  const y = parse(b);
  for (let i = 0; i < 3; i++) if ((x.nums[i] ?? 0) !== (y.nums[i] ?? 0)) return (x.nums[i] ?? 0) - (y.nums[i] ?? 0);
  if (x.pre === y.pre) return 0;
  if (x.pre === "") return 1;
  if (y.pre === "") return -1;
  return x.pre.localeCompare(y.pre, "en", { numeric: true });
}

/** Ids of the advisories whose affected environments include this record (none for a record whose pieces are missing). */
export function matchingAdvisories(
  record: Pick<EnvironmentRecord, "lean" | "project" | "simulated">,
  advisories: readonly Advisory[] = SHIPPED_ADVISORIES,
): string[] {
  const version = isMissing(record.lean) ? null : record.lean.version;
  const manifest = isMissing(record.project) || isMissing(record.project.manifest) ? null : record.project.manifest;
  return advisories
    .filter((a) => {
      if (record.simulated && !a.simulated) return false;
      const lean = a.affected.lean;
      const byLean =
        version !== null &&
        lean !== undefined &&
        ((lean.below !== undefined && compareLeanVersions(version, lean.below) < 0) ||
          (lean.versions ?? []).includes(version));
      const byPackage =
        manifest !== null &&
        (a.affected.packages ?? []).some((p) =>
          manifest.packages.some((q) => q.name === p.name && q.rev !== undefined && p.revs.includes(q.rev)),
        );
      return byLean || byPackage;
    })
    .map((a) => a.id);
}
