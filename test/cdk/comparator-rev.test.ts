// A fleet's comparatorRev reaches the image as COMPARATOR_REV (the strict stage's tools); without it, none is built.
import { describe, expect, it } from "vitest";
import { planFleet, parseDeploymentConfig } from "../../cdk/config.js";
import { workerBuildArgs } from "../../cdk/lib/worker-environment.js";
import { TEST_CONFIG } from "./synth.js";

describe("fleets[].comparatorRev", () => {
  it("GIVEN a fleet with comparatorRev WHEN planned THEN the image builds comparator at it; without it THEN no COMPARATOR_REV", () => {
    const base = TEST_CONFIG.fleets[0]!;
    expect(workerBuildArgs(planFleet({ ...base, comparatorRev: "v4.25.0-rc2" })).COMPARATOR_REV).toBe("v4.25.0-rc2");
    expect("COMPARATOR_REV" in workerBuildArgs(planFleet(base))).toBe(false);
  });

  it("GIVEN a comparatorRev that is not a tag or commit WHEN validated THEN the error names the field", () => {
    const raw = JSON.parse(JSON.stringify(TEST_CONFIG));
    raw.fleets[0].comparatorRev = "main; rm -rf /";
    expect(() => parseDeploymentConfig(raw)).toThrow(/comparatorRev/);
  });
});
