// The rules of docs/architecture.md that the import check cannot see: every environment variable name is spelled in
// one module, the Dockerfile's health port is the worker's default, errors are LeanFleet errors, and only the local
// cluster's --simulate wiring knows where the test doubles live.
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { execaSync } from "execa";
import { describe, expect, it } from "vitest";
import { WORKER_DEFAULTS } from "../../services/worker/index.js";

const root = resolve(import.meta.dirname, "../..");
/** Production source: what ships or deploys (tests and benchmarks are not scanned). */
const SOURCE_DIRS = ["services", "functions", "cli", "cdk", "bin"];

function sourceFiles(): string[] {
  const out = execaSync("git", ["ls-files", "--cached", "--others", "--exclude-standard", "--", ...SOURCE_DIRS], {
    cwd: root,
  }).stdout;
  return out.split("\n").filter((f) => /\.(ts|js|cjs|mjs)$/.test(f) && !f.startsWith("services/report/client/"));
}

/** Source without comments, so that a doc comment may mention a name its module does not define. */
function code(file: string): string {
  return readFileSync(join(root, file), "utf8")
    .replace(/\/\*[\s\S]*?\*\//g, "")
    .replace(/(^|[^:"'`\\])\/\/.*$/gm, "$1");
}

/** Files whose code (comments excluded) matches `pattern`, by match. */
function whereFound(pattern: RegExp): Map<string, Set<string>> {
  const found = new Map<string, Set<string>>();
  for (const file of sourceFiles()) {
    for (const m of code(file).matchAll(pattern)) {
      const key = m.slice(1).find((g) => g !== undefined) ?? m[0];
      if (!found.has(key)) found.set(key, new Set());
      found.get(key)!.add(file);
    }
  }
  return found;
}

describe("defined once", () => {
  it("spells each LEANFLEET_* environment variable name in exactly one module", () => {
    // A name as a string, read as `env.NAME`, or written as an object key; mentions in messages are not definitions.
    const names = whereFound(
      /["'`](LEANFLEET_[A-Z0-9_]+)["'`]|\benv\.(LEANFLEET_[A-Z0-9_]+)|\b(LEANFLEET_[A-Z0-9_]+)\s*:/g,
    );
    expect(names.size).toBeGreaterThan(10);
    const repeated = [...names].filter(([, files]) => files.size > 1).map(([n, files]) => `${n}: ${[...files]}`);
    expect(repeated).toEqual([]);
  });

  it("gives the image's health check the worker's default health port", () => {
    const docker = readFileSync(join(root, "services/worker/Dockerfile"), "utf8");
    const port = String(WORKER_DEFAULTS.healthPort);
    expect(docker).toMatch(new RegExp(`LEANFLEET_HEALTH_PORT=${port}\\b`));
    expect(docker).toMatch(new RegExp(`^EXPOSE ${port}$`, "m"));
    expect(docker).toContain(`||${port})`);
  });
});

describe("one error convention", () => {
  it("throws no bare Error and declares no Error subclass outside the core base", () => {
    const bare = whereFound(/\bnew Error\(|\bextends Error\b/g);
    const files = [...(bare.values() ?? [])].flatMap((s) => [...s]).filter((f) => f !== "services/core/errors.ts");
    expect([...new Set(files)]).toEqual([]);
  });
});

describe("the doubles stay in the tests", () => {
  it("names the REPL and comparator doubles only in the local cluster's --simulate wiring", () => {
    const uses = whereFound(/(repl-double|comparator-double)/g);
    const files = [...uses.values()].flatMap((s) => [...s]).filter((f) => !f.startsWith("services/local-cluster/"));
    expect([...new Set(files)]).toEqual([]);
  });
});
