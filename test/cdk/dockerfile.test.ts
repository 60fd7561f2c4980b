// Static checks of services/worker/Dockerfile (it cannot be built here: no Docker daemon, no network): the
// dockerfile-utils linter (the Docker language service's validator) plus the project's own rules.
import { validate } from "dockerfile-utils";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { planFleet } from "../../cdk/config.js";
import { IMAGE_PATHS, workerBuildArgs } from "../../cdk/lib/worker-environment.js";
import { REPO_ROOT } from "../../cdk/lib/leanfleet-stack.js";
import { TEST_CONFIG } from "./synth.js";

const text = readFileSync(join(REPO_ROOT, "services/worker/Dockerfile"), "utf8");
const dockerignore = readFileSync(join(REPO_ROOT, ".dockerignore"), "utf8");

/** Instructions with continuations joined and comments dropped: [KEYWORD, arguments]. */
function instructions(src: string): [string, string][] {
  const out: [string, string][] = [];
  let acc = "";
  for (const raw of src.split("\n")) {
    const line = raw.trim();
    if (acc === "" && (line === "" || line.startsWith("#"))) continue;
    if (line.startsWith("#")) continue;
    if (line.endsWith("\\")) {
      acc += line.slice(0, -1) + " ";
      continue;
    }
    acc += line;
    const m = /^(\w+)\s+([\s\S]*)$/.exec(acc.trim());
    if (m) out.push([m[1]!.toUpperCase(), m[2]!]);
    acc = "";
  }
  return out;
}

const all = instructions(text);
/** Instructions per build stage (index 0 holds the global ARGs before the first FROM). */
const stages: [string, string][][] = [[]];
for (const ins of all) {
  if (ins[0] === "FROM") stages.push([]);
  stages[stages.length - 1]!.push(ins);
}
const globalArgs = new Map(
  stages[0]!
    .filter(([k]) => k === "ARG")
    .map(([, a]) => {
      const [name, value] = a.split("=");
      return [name!, value ?? ""] as const;
    }),
);
const final = stages[stages.length - 1]!;

describe("services/worker/Dockerfile", () => {
  it("GIVEN the Dockerfile WHEN linted by dockerfile-utils THEN it reports no error and no warning", () => {
    const problems = validate(text).map((d) => `line ${d.range.start.line + 1}: ${d.message}`);
    expect(problems).toEqual([]);
  });

  it("GIVEN the linter WHEN fed a broken Dockerfile THEN it does report problems (the check above can fail)", () => {
    expect(validate("FROM debian:12-slim\nUSER\nEXPOSE port\n").length).toBeGreaterThanOrEqual(2);
  });

  it("GIVEN the stages WHEN read THEN it is multi-stage (worker build, Lean build, strict-stage tools, runtime) on pinned, slim base images", () => {
    expect(stages.length - 1).toBe(5);
    const images = stages.slice(1).map((st) => st[0]![1].split(/\s+/)[0]!);
    expect(images).toEqual(["${NODE_IMAGE}", "${DEBIAN_IMAGE}", "${GOLANG_IMAGE}", "lean", "${NODE_IMAGE}"]);
    expect(globalArgs.get("GOLANG_IMAGE")).toMatch(/^golang:\d+\.\d+\.\d+-bookworm$/);
    expect(globalArgs.get("NODE_IMAGE")).toMatch(/^node:22\.\d+\.\d+-bookworm-slim$/);
    expect(globalArgs.get("DEBIAN_IMAGE")).toMatch(/^debian:\d+\.\d+-slim$/);
    expect(text).not.toMatch(/:latest\b/);
  });

  it("GIVEN the runtime stage WHEN read THEN it runs as the numeric non-root user 10001 with a HEALTHCHECK and an exec-form ENTRYPOINT", () => {
    const users = final.filter(([k]) => k === "USER").map(([, a]) => a);
    expect(users).toEqual(["10001:10001"]);
    const userAt = final.findIndex(([k]) => k === "USER");
    expect(final.slice(userAt).some(([k]) => k === "RUN" || k === "COPY" || k === "ADD")).toBe(false);
    expect(final.some(([k, a]) => k === "HEALTHCHECK" && a.includes("/health"))).toBe(true);
    const entry = final.find(([k]) => k === "ENTRYPOINT")![1];
    expect(JSON.parse(entry)).toEqual(["node", "--enable-source-maps", "/app/worker.mjs"]);
    // Nothing from the build stages beyond what runs: elan + toolchain, the REPL and project, comparator with
    // lean4export and landrun (strict stage), the bundle.
    expect(final.filter(([k]) => k === "COPY").map(([, a]) => a)).toEqual([
      "--from=lean /opt/elan /opt/elan",
      "--from=lean /opt/leanfleet /opt/leanfleet",
      "--from=comparator /opt/leanfleet/comparator /opt/leanfleet/comparator",
      "--from=landrun /out/landrun /usr/local/bin/landrun",
      "--from=worker-build /out/ /app/",
    ]);
  });

  it("GIVEN the CDK's build args WHEN compared THEN the Dockerfile declares exactly those the Lean stage uses", () => {
    const lean = stages[2]!.filter(([k]) => k === "ARG").map(([, a]) => a.split("=")[0]!);
    const fromCdk = Object.keys(workerBuildArgs(planFleet(TEST_CONFIG.fleets[0]!)));
    for (const arg of fromCdk) expect(lean).toContain(arg);
    expect(lean.filter((a) => a !== "ELAN_VERSION").sort()).toEqual([...fromCdk].sort());
  });

  it("GIVEN the Lean stage WHEN read THEN it installs elan with the toolchain, checks the REPL's toolchain, and fetches Mathlib's cache", () => {
    const lean = stages[2]!.map(([, a]) => a).join("\n");
    expect(lean).toContain("elan-init.sh");
    expect(lean).toContain('--default-toolchain "${LEAN_TOOLCHAIN}"');
    expect(lean).toMatch(/cat lean-toolchain\)" = "\$\{LEAN_TOOLCHAIN\}"/);
    expect(lean).toContain("lake exe cache get");
    expect(lean).toContain("lake build");
    expect(text).toContain(`LEANFLEET_REPL=${IMAGE_PATHS.repl}`);
    expect(text).toContain(IMAGE_PATHS.project.replace(/\/project$/, ""));
  });

  it("GIVEN every RUN WHEN read THEN downloads fail loudly, apt leaves no lists or recommends, and nothing is ADDed", () => {
    for (const [k, a] of all) {
      expect(k).not.toBe("ADD");
      if (k !== "RUN") continue;
      // Every curl command (not the package named curl) must use -f so an HTTP error fails the build.
      for (const curl of a.match(/(?:^|&&|\|\||;)\s*curl\s[^&|;]*/g) ?? []) expect(curl).toMatch(/\s-\w*f/);
      if (a.includes("apt-get install")) {
        expect(a).toContain("--no-install-recommends");
        expect(a).toContain("rm -rf /var/lib/apt/lists/*");
      }
    }
    expect(all.filter(([k]) => k === "RUN").some(([, a]) => /(?:^|&&)\s*curl\s/.test(a))).toBe(true);
    expect(stages[2]!.some(([k, a]) => k === "SHELL" && a.includes("pipefail"))).toBe(true);
  });

  it("GIVEN the worker build WHEN read THEN it bundles services/worker/main.ts with esbuild into one ESM file", () => {
    const build = stages[1]!.map(([, a]) => a).join("\n");
    expect(build).toContain("npm ci");
    expect(build).toMatch(/esbuild services\/worker\/main\.ts --bundle --platform=node --target=node22 --format=esm/);
  });

  it("GIVEN the build context WHEN filtered by .dockerignore THEN only manifests, services/ and advisories/ are sent", () => {
    const rules = dockerignore
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith("#"));
    expect(rules[0]).toBe("*");
    expect(rules.slice(1).sort()).toEqual([
      "!advisories/",
      "!package-lock.json",
      "!package.json",
      "!services/",
      "!tsconfig.json",
    ]);
    for (const [k, a] of all) {
      if (k !== "COPY" || a.startsWith("--from")) continue;
      const sources = a.split(/\s+/).slice(0, -1);
      for (const src of sources) expect(rules, src).toContain(`!${src.replace(/\/?$/, src.includes(".") ? "" : "/")}`);
    }
  });
});
