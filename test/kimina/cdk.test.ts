// The Kimina routes in the cloud: the same API app on a second function with a long timeout behind a function URL
// (an HTTP API integration stops at 30 s), told how long a call may wait.
import { Match } from "aws-cdk-lib/assertions";
import { afterAll, beforeAll, describe, it } from "vitest";
import { type Synth, synth, TEST_CONFIG } from "../cdk/synth.js";

let s: Synth;
beforeAll(() => {
  s = synth(TEST_CONFIG);
}, 120_000);
afterAll(() => s?.dispose());

describe("Kimina function URL", () => {
  it("GIVEN the stack WHEN synthesized THEN a 600 s API function waits 540 s per call behind a buffered function URL, and its URL is an output", () => {
    s.template.hasResourceProperties("AWS::Lambda::Function", {
      Timeout: 600,
      Environment: {
        Variables: Match.objectLike({
          LEANFLEET_KIMINA_WAIT_SECONDS: "540",
          LEANFLEET_QUEUE_URLS: Match.anyValue(),
          LEANFLEET_API_KEYS: Match.anyValue(),
        }),
      },
    });
    s.template.hasResourceProperties("AWS::Lambda::Url", { AuthType: "NONE", InvokeMode: "BUFFERED" });
    s.template.hasOutput("*", { Description: Match.stringLikeRegexp("Kimina Lean Server clients") });
    // The HTTP API's function keeps API Gateway's 30 s.
    s.template.hasResourceProperties("AWS::Lambda::Function", { Timeout: 30, Description: "LeanFleet API (Hono)" });
  });
});
