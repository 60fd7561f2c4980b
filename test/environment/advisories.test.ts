// Advisories: the shipped list parses and cites Lean's release notes; an environment falls under an advisory by its
// Lean version (pre-releases before their release) or a package revision; the double only under test advisories;
// recheck's selection takes exactly the results of affected environments, and its diff names both environments.
import { describe, expect, it } from "vitest";
import { selectResults, verdictChanges, type RecheckedResult } from "../../cli/recheck.js";
import {
  compareLeanVersions,
  matchingAdvisories,
  parseAdvisories,
  SHIPPED_ADVISORIES,
  type EnvironmentRecord,
} from "../../services/environment/index.js";

const lean = (version: string, simulated = false) =>
  ({
    simulated,
    lean: {
      version,
      channel: "release",
      commit: null,
      target: null,
      buildType: null,
      toolchain: null,
    },
    project: { missing: "none" },
  }) as Pick<EnvironmentRecord, "lean" | "project" | "simulated">;

describe("advisories", () => {
  it("GIVEN the shipped list THEN it parses and each entry links Lean's release notes", () => {
    expect(SHIPPED_ADVISORIES.map((a) => a.id)).toEqual(["LEAN-2026-14484", "LEAN-2026-14838", "LEAN-2026-15289"]);
    for (const a of SHIPPED_ADVISORIES)
      expect(a.link).toMatch(/^https:\/\/lean-lang\.org\/doc\/reference\/latest\/releases\/v4\.\d+\.1\/$/);
  });

  it("orders Lean versions with pre-releases before their release", () => {
    expect(compareLeanVersions("4.32.0", "4.32.1")).toBeLessThan(0);
    expect(compareLeanVersions("4.32.1-rc1", "4.32.1")).toBeLessThan(0);
    expect(compareLeanVersions("4.10.0", "4.9.0")).toBeGreaterThan(0);
    expect(compareLeanVersions("4.33.0-rc2", "4.33.0-rc10")).toBeLessThan(0);
    expect(compareLeanVersions("4.26.0-nightly-2025-11-18", "4.26.0")).toBeLessThan(0);
  });

  it("GIVEN an environment WHEN matched THEN its Lean version and package revisions decide; the double only for test advisories", () => {
    expect(matchingAdvisories(lean("4.19.0"))).toEqual(["LEAN-2026-14484", "LEAN-2026-14838", "LEAN-2026-15289"]);
    expect(matchingAdvisories(lean("4.32.1"))).toEqual(["LEAN-2026-14838", "LEAN-2026-15289"]);
    expect(matchingAdvisories(lean("4.34.1-rc1"))).toEqual(["LEAN-2026-15289"]);
    expect(matchingAdvisories(lean("4.34.1"))).toEqual([]);
    expect(matchingAdvisories(lean("4.19.0", true))).toEqual([]);
    expect(
      matchingAdvisories({
        simulated: false,
        lean: { missing: "no lean" },
        project: { missing: "none" },
      }),
    ).toEqual([]);

    const test = parseAdvisories(
      JSON.stringify({
        v: 1,
        advisories: [
          {
            id: "TEST-1",
            affected: { lean: { versions: ["4.19.0"] } },
            reason: "test",
            link: "https://example.org/1",
            simulated: true,
          },
          {
            id: "TEST-2",
            affected: {
              packages: [{ name: "mathlib", revs: ["c".repeat(40)] }],
            },
            reason: "test",
            link: "https://example.org/2",
          },
        ],
      }),
    );
    expect(matchingAdvisories(lean("4.19.0", true), test)).toEqual(["TEST-1"]);
    const withMathlib = {
      ...lean("4.40.0"),
      project: {
        checkout: { missing: "x" },
        manifest: {
          version: "1.2.0",
          name: "p",
          packages: [
            {
              name: "mathlib",
              type: "git" as const,
              url: "u",
              rev: "c".repeat(40),
            },
          ],
        },
      },
    };
    expect(matchingAdvisories(withMathlib, test)).toEqual(["TEST-2"]);
    expect(() => parseAdvisories('{"v": 2, "advisories": []}', "x.json")).toThrow(/x\.json: v/);
  });

  it("GIVEN results of two environments WHEN --advisories selects THEN exactly the affected environment's results; the diff names both environments", async () => {
    const r = (i: number, env: string, verdict: RecheckedResult["verdict"]): RecheckedResult => ({
      jobId: `b_x.${i}`,
      index: i,
      id: `i${i}`,
      status: "ok",
      verdict,
      env,
    });
    const results = [r(0, "env-aaaaaaaa", "valid"), r(1, "env-aaaaaaaa", "invalid"), r(2, "env-bbbbbbbb", "valid")];
    const records: Record<string, Pick<EnvironmentRecord, "lean" | "project" | "simulated">> = {
      "env-aaaaaaaa": lean("4.19.0"),
      "env-bbbbbbbb": lean("4.34.1"),
    };
    const { selected, affected } = await selectResults(results, {
      advisories: SHIPPED_ADVISORIES,
      record: async (id) => records[id] as EnvironmentRecord,
    });
    expect(selected.map((s) => s.jobId)).toEqual(["b_x.0", "b_x.1"]);
    expect([...affected.keys()]).toEqual(["env-aaaaaaaa"]);
    expect((await selectResults(results, { onlyValid: true })).selected.map((s) => s.jobId)).toEqual([
      "b_x.0",
      "b_x.2",
    ]);

    const changes = verdictChanges(selected, [r(7, "env-cccccccc", "invalid"), r(8, "env-cccccccc", "invalid")]);
    expect(changes).toEqual([
      {
        id: "i0",
        index: 0,
        group: null,
        before: {
          verdict: "valid",
          status: "ok",
          env: "env-aaaaaaaa",
          jobId: "b_x.0",
        },
        after: {
          verdict: "invalid",
          status: "ok",
          env: "env-cccccccc",
          jobId: "b_x.7",
        },
      },
    ]);
  });
});
