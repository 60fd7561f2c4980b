// The environment reader over real-format fixtures: `lean --version` of releases, release candidates and nightlies
// (12- and 40-hex commits), lake-manifest.json of every version Lake wrote since 7, REPL and project checkouts, and
// missing pieces named in the record.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  environmentId,
  environmentMismatches,
  ENVIRONMENT_ID,
  LakeManifestError,
  parseLakeManifest,
  parseLeanVersionOutput,
  readCheckout,
  readEnvironment,
  type CommandRunner,
} from "../../services/environment/index.js";

const fixture = (name: string) => readFileSync(join(import.meta.dirname, "fixtures", name), "utf8");
const lines = Object.fromEntries(
  fixture("lean-version.txt")
    .split("\n")
    .filter((l) => l !== "" && !l.startsWith("#"))
    .map((l) => l.split("\t") as [string, string]),
);

describe("lean --version", () => {
  it.each([
    [
      "release-12",
      {
        version: "4.19.0",
        channel: "release",
        commit: "6caaee842e94",
        target: "x86_64-unknown-linux-gnu",
        buildType: "Release",
      },
    ],
    [
      "release-12-mac",
      {
        version: "4.21.0",
        channel: "release",
        commit: "6741444a63ee",
        target: "arm64-apple-darwin23.6.0",
        buildType: "Release",
      },
    ],
    ["rc-12", { version: "4.20.0-rc2", channel: "rc", commit: "fcb2f44cd3db" }],
    [
      "release-40",
      {
        version: "4.28.0",
        channel: "release",
        commit: "7e01a1bf5c70fc6167d49c345d3bf80596e9a79b",
      },
    ],
    [
      "rc-40",
      {
        version: "4.29.0-rc6",
        channel: "rc",
        commit: "00659f8e6071d7e46131ed643bf8003b99b044e9",
      },
    ],
    [
      "nightly",
      {
        version: "4.26.0-nightly-2025-11-18",
        channel: "nightly",
        target: "x86_64-unknown-linux-gnu",
      },
    ],
    ["pre", { version: "4.30.0-pre", channel: "pre" }],
    [
      "no-commit",
      {
        version: "4.34.0",
        channel: "release",
        commit: null,
        target: "x86_64-unknown-linux-gnu",
        buildType: null,
      },
    ],
    ["double", { version: "4.19.0", commit: null, target: "simulated REPL double" }],
  ])("%s", (name, want) => {
    expect(parseLeanVersionOutput(lines[name]! + "\n")).toMatchObject(want);
  });

  it("is null for text that is not Lean's", () => {
    expect(parseLeanVersionOutput("Lake version 5.0.0-src+b4812ae (Lean version 4.32.0-rc1)")).toBeNull();
    expect(parseLeanVersionOutput("")).toBeNull();
  });
});

describe("lake-manifest.json", () => {
  it.each([
    [
      "lake-manifest-v7.json",
      7,
      {
        name: "std",
        url: "https://github.com/leanprover/std4",
        rev: "af7f36db6e7e9e395710a70635f915e8e3a0e69b",
        inputRev: "main",
        inherited: true,
      },
    ],
    ["lake-manifest-1.0.0.json", "1.0.0", { name: "batteries", rev: "54bb04c3119f24fde14b9068c4b2e69db52a1450" }],
    [
      "lake-manifest-1.1.0.json",
      "1.1.0",
      {
        name: "batteries",
        scope: "leanprover-community",
        rev: "0f3e143dffdc3a591662f3401ce1d7a3405227c0",
      },
    ],
    [
      "lake-manifest-1.2.0.json",
      "1.2.0",
      {
        name: "mathlib",
        url: "https://github.com/leanprover-community/mathlib4",
        rev: "c5ea00351c28e24afc9f0f84379aa41082b1188f",
        inputRev: "v4.30.0",
        scope: "",
      },
    ],
  ])("%s", (file, version, first) => {
    const m = parseLakeManifest(fixture(file));
    expect(m.version).toBe(version);
    expect(m.name).toBe("repl-mathlib-tests");
    expect(m.packages[0]).toMatchObject({ type: "git", ...first });
  });

  it("reads path packages and empty package lists", () => {
    expect(parseLakeManifest(fixture("lake-manifest-1.2.0.json")).packages[1]).toEqual({
      name: "retained_dep",
      type: "path",
      dir: "../producer",
      scope: "",
      inherited: false,
    });
    expect(parseLakeManifest(fixture("lake-manifest-1.2.0-empty.json"))).toEqual({
      version: "1.2.0",
      name: "REPL",
      packages: [],
    });
  });

  it("reads version 6's nested entries", () => {
    const v6 = {
      version: 6,
      packagesDir: "lake-packages",
      packages: [
        {
          git: {
            url: "https://github.com/leanprover/std4",
            subDir: null,
            rev: "a".repeat(40),
            opts: {},
            name: "std",
            "inputRev?": "main",
          },
        },
      ],
    };
    expect(parseLakeManifest(JSON.stringify(v6)).packages[0]).toMatchObject({
      type: "git",
      name: "std",
      rev: "a".repeat(40),
      inputRev: "main",
    });
  });

  it("refuses what Lake refuses, saying why", () => {
    expect(() => parseLakeManifest('{"version": 4, "packages": []}')).toThrow(/incompatible manifest version '4'/);
    expect(() => parseLakeManifest('{"version": "2.0.0", "packages": []}')).toThrow(/higher major version/);
    expect(() => parseLakeManifest("{")).toThrow(LakeManifestError);
  });
});

const dirs: string[] = [];
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), "lf-env-"));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe("checkouts", () => {
  const rev = "0123456789abcdef0123456789abcdef01234567";
  it("reads HEAD through a loose ref, packed-refs, a detached HEAD, and the image's checkout file", () => {
    const loose = tmp();
    mkdirSync(join(loose, ".git/refs/heads"), { recursive: true });
    writeFileSync(join(loose, ".git/HEAD"), "ref: refs/heads/master\n");
    writeFileSync(join(loose, ".git/refs/heads/master"), `${rev}\n`);
    writeFileSync(
      join(loose, ".git/config"),
      '[core]\n\tbare = false\n[remote "origin"]\n\turl = https://github.com/augustepoiroux/repl\n\tfetch = +refs/heads/*:refs/remotes/origin/*\n',
    );
    expect(readCheckout(loose)).toEqual({
      url: "https://github.com/augustepoiroux/repl",
      rev,
    });

    const packed = tmp();
    mkdirSync(join(packed, ".git"), { recursive: true });
    writeFileSync(join(packed, ".git/HEAD"), "ref: refs/heads/main\n");
    writeFileSync(
      join(packed, ".git/packed-refs"),
      `# pack-refs with: peeled fully-peeled sorted\n${rev} refs/heads/main\n`,
    );
    expect(readCheckout(packed)).toEqual({ url: null, rev });

    const detached = tmp();
    mkdirSync(join(detached, ".git"));
    writeFileSync(join(detached, ".git/HEAD"), `${rev}\n`);
    expect(readCheckout(detached)).toEqual({ url: null, rev });

    const image = tmp();
    writeFileSync(
      join(image, ".leanfleet-checkout.json"),
      JSON.stringify({
        url: "https://github.com/leanprover-community/mathlib4",
        rev,
      }),
    );
    expect(readCheckout(image)).toEqual({
      url: "https://github.com/leanprover-community/mathlib4",
      rev,
    });
  });

  it("names what is missing", () => {
    const none = tmp();
    expect(readCheckout(none)).toEqual({
      missing: `no git checkout at ${none} (no .git, no .leanfleet-checkout.json)`,
    });
    const unborn = tmp();
    mkdirSync(join(unborn, ".git"));
    writeFileSync(join(unborn, ".git/HEAD"), "ref: refs/heads/main\n");
    expect(readCheckout(unborn)).toMatchObject({
      missing: expect.stringContaining("resolves to no commit"),
    });
  });
});

/** A machine with Lean: `lean` on PATH, a Mathlib project and a fork REPL checkout, the strict-stage tools. */
function leanMachine(opts: { manifest?: string | null; leanLine?: string } = {}) {
  const root = tmp();
  const bin = join(root, "bin");
  mkdirSync(bin);
  for (const tool of ["lean", "leanchecker", "landrun", "lean4export"]) writeFileSync(join(bin, tool), "");
  const project = join(root, "project");
  mkdirSync(project);
  writeFileSync(join(project, "lean-toolchain"), "leanprover/lean4:v4.30.0\n");
  if (opts.manifest !== null)
    writeFileSync(join(project, "lake-manifest.json"), fixture(opts.manifest ?? "lake-manifest-1.2.0.json"));
  writeFileSync(
    join(project, ".leanfleet-checkout.json"),
    JSON.stringify({
      url: "https://github.com/leanprover-community/mathlib4",
      rev: "c5ea00351c28e24afc9f0f84379aa41082b1188f",
    }),
  );
  const repl = join(root, "repl");
  mkdirSync(join(repl, ".lake/build/bin"), { recursive: true });
  writeFileSync(join(repl, ".lake/build/bin/repl"), "");
  writeFileSync(
    join(repl, ".leanfleet-checkout.json"),
    JSON.stringify({
      url: "https://github.com/augustepoiroux/repl",
      rev: "1111111111111111111111111111111111111111",
    }),
  );
  const comparator = join(root, "comparator");
  mkdirSync(join(comparator, "bin"), { recursive: true });
  writeFileSync(
    join(comparator, ".leanfleet-checkout.json"),
    JSON.stringify({
      url: "https://github.com/leanprover/comparator",
      rev: "2222222222222222222222222222222222222222",
    }),
  );
  writeFileSync(
    join(comparator, "lake-manifest.json"),
    JSON.stringify({
      version: "1.2.0",
      packagesDir: ".lake/packages",
      packages: [
        {
          url: "https://github.com/leanprover/lean4export",
          type: "git",
          subDir: null,
          scope: "",
          rev: "3".repeat(40),
          name: "lean4export",
          manifestFile: "lake-manifest.json",
          inputRev: "v4.30.0",
          inherited: false,
          configFile: "lakefile.lean",
        },
      ],
      name: "comparator",
      lakeDir: ".lake",
      fixedToolchain: false,
    }),
  );
  const calls: string[] = [];
  const run: CommandRunner = async (file, args, o) => {
    calls.push(`${file} ${args.join(" ")} @${o.cwd ?? ""}`);
    if (file.endsWith("/lean"))
      return {
        exitCode: 0,
        stdout: `${opts.leanLine ?? "Lean (version 4.30.0, x86_64-unknown-linux-gnu, commit c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00, Release)"}\n`,
        stderr: "",
      };
    if (file.endsWith("/landrun")) return { exitCode: 0, stdout: "landrun version 0.1.14\n", stderr: "" };
    return { exitCode: 127, stdout: "", stderr: "not found" };
  };
  const input = {
    simulated: false,
    replPath: join(repl, ".lake/build/bin/repl"),
    replFlavor: "fork" as const,
    projectDir: project,
    comparator: ["lake", "env", join(comparator, "bin/comparator")],
    env: {
      PATH: bin,
      LEANFLEET_IMAGE_DIGEST: "sha256:abc123",
      LEANFLEET_LANDRUN_REV: "5283024a2f49b28046c3b4a06d7d775c058d4d80",
    },
    run,
  };
  return { input, calls, project };
}

describe("readEnvironment", () => {
  it("reads every piece of a Lean machine", async () => {
    const m = leanMachine();
    const record = await readEnvironment(m.input);
    expect(record).toEqual({
      v: 1,
      simulated: false,
      lean: {
        version: "4.30.0",
        channel: "release",
        commit: "c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00",
        target: "x86_64-unknown-linux-gnu",
        buildType: "Release",
        toolchain: "leanprover/lean4:v4.30.0",
      },
      project: {
        checkout: {
          url: "https://github.com/leanprover-community/mathlib4",
          rev: "c5ea00351c28e24afc9f0f84379aa41082b1188f",
        },
        manifest: {
          version: "1.2.0",
          name: "repl-mathlib-tests",
          packages: parseLakeManifest(fixture("lake-manifest-1.2.0.json")).packages,
        },
      },
      repl: {
        flavor: "fork",
        checkout: {
          url: "https://github.com/augustepoiroux/repl",
          rev: "1111111111111111111111111111111111111111",
        },
      },
      tools: {
        comparator: {
          version: "2222222222222222222222222222222222222222",
          source: "https://github.com/leanprover/comparator",
        },
        lean4export: {
          version: "3".repeat(40),
          source: "https://github.com/leanprover/lean4export",
        },
        landrun: {
          version: "landrun version 0.1.14 (5283024a2f49b28046c3b4a06d7d775c058d4d80)",
          source: "https://github.com/Zouuup/landrun",
        },
        leanchecker: { version: "4.30.0", source: "the Lean toolchain" },
      },
      image: { digest: "sha256:abc123" },
      leanfleet: { version: expect.any(String) },
    });
    // lean --version runs in the project, so elan picks the project's toolchain.
    expect(m.calls[0]).toMatch(new RegExp(`/lean --version @${m.project}$`));
    expect(environmentId(record)).toMatch(ENVIRONMENT_ID);
  });

  it.each(["lake-manifest-v7.json", "lake-manifest-1.0.0.json", "lake-manifest-1.1.0.json"])(
    "reads a project whose manifest is %s",
    async (file) => {
      const record = await readEnvironment(leanMachine({ manifest: file }).input);
      expect(record.project).toMatchObject({
        manifest: {
          packages: [{ type: "git", rev: expect.stringMatching(/^[0-9a-f]{40}$/) }],
        },
      });
    },
  );

  it("names missing pieces instead of guessing them", async () => {
    const m = leanMachine({
      manifest: null,
      leanLine: "elan: toolchain not installed",
    });
    const record = await readEnvironment({
      ...m.input,
      comparator: null,
      env: { PATH: "/nonexistent" },
    });
    expect(record.lean).toEqual({
      missing: expect.stringContaining("`lean` is not on PATH"),
    });
    expect(record.project).toMatchObject({
      manifest: {
        missing: `lake-manifest.json not found at ${join(m.project, "lake-manifest.json")}`,
      },
    });
    expect(record.tools.comparator).toEqual({
      missing: expect.stringContaining("no comparator"),
    });
    expect(record.tools.landrun).toEqual({
      missing: expect.stringContaining("landrun not found"),
    });
    expect(record.image).toBeNull();
    const garbled = await readEnvironment({
      ...m.input,
      run: async () => ({
        exitCode: 0,
        stdout: "elan: toolchain not installed",
        stderr: "",
      }),
    });
    expect(garbled.lean).toEqual({
      missing: expect.stringContaining('printed no "Lean (version …)" line'),
    });
  });

  it("gives the same id for the same environment and another one for another version", async () => {
    const a = await readEnvironment(leanMachine().input);
    const b = await readEnvironment(leanMachine().input);
    const rc = await readEnvironment(leanMachine({ leanLine: lines["rc-40"] }).input);
    // Paths differ between the two machines, the environment does not.
    expect(environmentId(a)).toBe(environmentId(b));
    expect(environmentId(rc)).not.toBe(environmentId(a));
  });

  it("says where the environment differs from what the fleet declares, naming both", async () => {
    const record = await readEnvironment(leanMachine().input);
    expect(
      environmentMismatches(record, {
        toolchain: "leanprover/lean4:v4.30.0",
        projectRev: "c5ea00351c28e24afc9f0f84379aa41082b1188f",
      }),
    ).toEqual([]);
    expect(
      environmentMismatches(record, {
        toolchain: "leanprover/lean4:v4.29.0",
        projectRev: "d".repeat(40),
      }),
    ).toEqual([
      "the fleet declares toolchain leanprover/lean4:v4.29.0, but lean --version reports 4.30.0 (commit c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00)",
      `the fleet declares project revision ${"d".repeat(40)}, but the project is at c5ea00351c28e24afc9f0f84379aa41082b1188f`,
    ]);
    const nightly = await readEnvironment(leanMachine({ leanLine: lines["nightly"] }).input);
    expect(
      environmentMismatches(nightly, {
        toolchain: "leanprover/lean4:nightly-2025-11-18",
      }),
    ).toEqual([]);
  });
});
