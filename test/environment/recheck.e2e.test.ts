// leanfleet recheck through the local stack on the double: a run on fleet main (double 4.19.0, under a test
// advisory) and one on fleet next (4.29.0-rc6, not under it) in one results file; --advisories selects exactly
// main's results, re-checks them on next and writes the items whose verdict changed, naming both environments.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { LocalCluster } from "../../services/local-cluster/index.js";
import { runCli } from "../cli/helpers/run-cli.js";
import { currentEnvironment, jsonLines, startStack } from "./helpers.js";

const dir = mkdtempSync(join(tmpdir(), "lf-recheck-e2e-"));
let cluster: LocalCluster | undefined;

afterAll(async () => {
  await cluster?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("leanfleet recheck", () => {
  it(
    "GIVEN results from two environments, one under an advisory WHEN rechecked with --advisories on another fleet THEN exactly the affected results are re-run and the diff names both environments",
    { timeout: 180_000 },
    async () => {
      const advisoryFile = join(dir, "advisories.json");
      writeFileSync(
        advisoryFile,
        JSON.stringify({
          v: 1,
          advisories: [
            {
              id: "TEST-419",
              affected: { lean: { versions: ["4.19.0"] } },
              reason: "test advisory on the double's 4.19.0",
              link: "https://example.org/test-419",
              simulated: true,
            },
          ],
        }),
      );
      cluster = await startStack(join(dir, "data"), join(dir, "logs"), { main: "4.19.0", next: "4.29.0-rc6" }, 1, {
        LEANFLEET_ADVISORIES: advisoryFile,
      });
      const endpoint = cluster.endpoint!;
      const a = await currentEnvironment(endpoint, "main");
      const b = await currentEnvironment(endpoint, "next");

      const ds = join(dir, "set.jsonl");
      const codes = [
        "theorem t0 : 1 + 1 = 2 := by rfl",
        "theorem t1 : 1 + 1 = 3 := by rfl",
        "theorem t2 : 2 = 2 := rfl",
        "theorem t3 (n : Nat) : n + 0 = n := by sorry",
      ];
      writeFileSync(
        ds,
        codes.map((code, i) => JSON.stringify({ id: `item-${i}`, group: `p${i}`, code })).join("\n") + "\n",
      );
      const onMain = join(dir, "main.results.jsonl");
      const onNext = join(dir, "next.results.jsonl");
      const ev = await runCli(endpoint, "eval", ds, "--out", onMain, "--no-progress", "--fleet", "main");
      expect(ev.out.join("\n")).toContain("ADVISORY TEST-419: 4 results");
      await runCli(endpoint, "eval", ds, "--out", onNext, "--no-progress", "--fleet", "next");
      const main = jsonLines<{
        env: string;
        advisories?: string[];
        verdict: string;
        id: string;
      }>(onMain);
      const next = jsonLines<{ env: string; advisories?: string[] }>(onNext);
      expect(main.every((r) => r.env === a && r.advisories?.[0] === "TEST-419")).toBe(true);
      expect(next.every((r) => r.env === b && r.advisories === undefined)).toBe(true);

      // One verdict that the affected environment got wrong (as an unsound kernel would have): t1 "valid".
      const doctored = main.map((r) => (r.id === "item-1" ? { ...r, verdict: "valid" } : r));
      const combined = join(dir, "combined.results.jsonl");
      writeFileSync(combined, [...doctored, ...next].map((r) => JSON.stringify(r)).join("\n") + "\n");

      const diff = join(dir, "diff.jsonl");
      const rc = await runCli(
        endpoint,
        "recheck",
        combined,
        "--fleet",
        "next",
        "--dataset",
        ds,
        "--advisories",
        "--advisory-file",
        advisoryFile,
        "--out",
        diff,
      );
      expect(rc.thrown).toBeUndefined();
      expect(rc.err.join("\n")).toContain(`${a} is affected by TEST-419`);
      expect(rc.out.join("\n")).toContain(`rechecked 4 items from environment ${a} on fleet next (environment ${b}`);
      expect(rc.out.join("\n")).toContain("1 changed verdict (valid -> invalid 1, invalid -> valid 0)");
      expect(jsonLines(diff)).toEqual([
        {
          id: "item-1",
          index: 1,
          group: "p1",
          before: expect.objectContaining({
            verdict: "valid",
            env: a,
            advisories: ["TEST-419"],
          }),
          after: expect.objectContaining({ verdict: "invalid", env: b }),
        },
      ]);

      // --only valid re-checks just the accepted proofs (t0, t2 and the doctored t1 of main; t0 and t2 of next).
      const valid = await runCli(
        endpoint,
        "recheck",
        combined,
        "--fleet",
        "next",
        "--dataset",
        ds,
        "--only",
        "valid",
        "--out",
        join(dir, "valid.jsonl"),
      );
      expect(valid.out.join("\n")).toContain(
        `rechecked 5 items from environment ${[a, b].sort().join(", ")} on fleet next`,
      );
      expect(readFileSync(join(dir, "valid.jsonl"), "utf8").trim().split("\n")).toHaveLength(1);
    },
  );
});
