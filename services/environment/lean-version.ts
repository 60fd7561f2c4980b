// Parse what `lean --version` prints, in every format Lean has printed: the C++ shell's 12-hex commit and the Lean
// shell's 40-hex one, releases, release candidates, nightlies, `-pre` source builds, and builds without a commit.

/** What one `lean --version` line says. */
export interface LeanVersion {
  /** The version as printed, e.g. `4.19.0`, `4.20.0-rc2`, `4.26.0-nightly-2025-11-18`. */
  version: string;
  /** `release`, `rc` (release candidate), `nightly`, or `pre` (a non-release build from source). */
  channel: "release" | "rc" | "nightly" | "pre" | "other";
  /** The commit as printed (12 hex digits before ~v4.22, 40 after); null when the build printed none. */
  commit: string | null;
  /** Platform target (`x86_64-unknown-linux-gnu`); null when absent. */
  target: string | null;
  /** `Release`, `Debug`, ...; null when absent. */
  buildType: string | null;
}

const LINE = /^Lean \(version ([0-9]+\.[0-9]+\.[0-9]+(?:-[^,)]+)?)((?:, [^,)]+)*)\)/m;

function channelOf(version: string): LeanVersion["channel"] {
  const suffix = version.replace(/^[0-9]+\.[0-9]+\.[0-9]+-?/, "");
  if (suffix === "") return "release";
  if (/^rc\d+$/.test(suffix)) return "rc";
  if (suffix.startsWith("nightly-")) return "nightly";
  if (suffix === "pre") return "pre";
  return "other";
}

/** Parse the output of `lean --version`; null when it holds no `Lean (version …)` line. */
export function parseLeanVersionOutput(text: string): LeanVersion | null {
  const m = LINE.exec(text);
  if (!m) return null;
  const version = m[1]!;
  const parts = m[2]!.split(", ").slice(1);
  let commit: string | null = null;
  let target: string | null = null;
  let buildType: string | null = null;
  for (const part of parts) {
    const c = /^commit ([0-9a-f]{7,40})$/.exec(part);
    if (c) commit = c[1]!;
    else if (commit === null && target === null && /[-_]/.test(part) && !/\s/.test(part)) target = part;
    else if (/^[A-Za-z]+$/.test(part)) buildType = part;
    else target ??= part;
  }
  return { version, channel: channelOf(version), commit, target, buildType };
}

/**
 * The version a toolchain name pins: `leanprover/lean4:v4.19.0` → `4.19.0`, `leanprover/lean4:v4.20.0-rc2` →
 * `4.20.0-rc2`, `leanprover/lean4:nightly-2025-11-18` → `nightly-2025-11-18` (a nightly's `lean --version` prints it
 * after the version it precedes). Null for something that is not a toolchain name.
 */
export function toolchainVersion(toolchain: string): string | null {
  const m = /^(?:[\w.-]+\/[\w.-]+:)?v?([0-9]+\.[0-9]+\.[0-9]+(?:-[\w.-]+)?|nightly-\d{4}-\d{2}-\d{2})$/.exec(
    toolchain.trim(),
  );
  return m ? m[1]! : null;
}

/** True when `lean --version`'s version is the one a toolchain name pins. */
export function versionMatchesToolchain(version: string, toolchain: string): boolean {
  const want = toolchainVersion(toolchain);
  if (want === null) return false;
  return want.startsWith("nightly-") ? version.endsWith(`-${want}`) : version === want;
}
