// The worker environment: names shared with cdk/, defaults, and errors that name the variable and the fix.
import { describe, expect, it } from "vitest";
import { parseWorkerConfig, WORKER_DEFAULTS, WORKER_ENV } from "../../services/worker/config.js";
import { WorkerConfigError } from "../../services/worker/errors.js";

const base = {
  LEANFLEET_FLEET: "mathlib",
  LEANFLEET_QUEUE_URL: "https://sqs.eu-west-1.amazonaws.com/123456789012/leanfleet-mathlib",
  LEANFLEET_BUCKET: "leanfleet-results",
};

describe("parseWorkerConfig", () => {
  it("fills defaults", () => {
    const c = parseWorkerConfig({ ...base });
    expect(c).toMatchObject({
      fleet: "mathlib",
      queueUrl: base.LEANFLEET_QUEUE_URL,
      bucket: "leanfleet-results",
      region: "us-east-1",
      simulate: false,
      healthPort: WORKER_DEFAULTS.healthPort,
      visibilitySeconds: 60,
      drainSeconds: 100,
      pollWaitSeconds: 20,
      inEcs: false,
      doubleFlags: [],
    });
    expect(c.awsEndpoint).toBeUndefined();
    expect(c.replCount).toBeGreaterThanOrEqual(1);
  });

  it("reads every variable of the brief", () => {
    const c = parseWorkerConfig({
      ...base,
      LEANFLEET_AWS_ENDPOINT: "http://127.0.0.1:4566",
      AWS_REGION: "eu-west-1",
      LEANFLEET_REPL_COUNT: "3",
      LEANFLEET_REPL_MEMORY_MIB: "6144",
      LEANFLEET_PROJECT_DIR: "/opt/mathlib",
      LEANFLEET_REPL: "/opt/repl/.lake/build/bin/repl",
      LEANFLEET_PREWARM_HEADER: "import Mathlib",
      LEANFLEET_SIMULATE: "1",
      LEANFLEET_HEALTH_PORT: "off",
      LEANFLEET_VISIBILITY_SECONDS: "90",
      LEANFLEET_DRAIN_SECONDS: "110",
      LEANFLEET_DOUBLE_FLAGS: "--stats  --command-cost-ms 5",
      ECS_CONTAINER_METADATA_URI_V4: "http://169.254.170.2/v4/0123456789abcdef0123456789abcdef-1234567890",
    });
    expect(c).toMatchObject({
      awsEndpoint: "http://127.0.0.1:4566",
      region: "eu-west-1",
      replCount: 3,
      replMemoryMiB: 6144,
      projectDir: "/opt/mathlib",
      replPath: "/opt/repl/.lake/build/bin/repl",
      prewarmHeader: "import Mathlib",
      simulate: true,
      healthPort: null,
      visibilitySeconds: 90,
      drainSeconds: 110,
      doubleFlags: ["--stats", "--command-cost-ms", "5"],
      inEcs: true,
      workerId: "0123456789abcdef0123456789abcdef",
    });
    expect(Object.values(WORKER_ENV)).toEqual(expect.arrayContaining(Object.keys(base)));
  });

  it("names the variable, quotes the value and says the fix", () => {
    expect(() => parseWorkerConfig({ ...base, LEANFLEET_FLEET: undefined })).toThrow(
      /LEANFLEET_FLEET is required but not set; set it/,
    );
    expect(() => parseWorkerConfig({ ...base, LEANFLEET_REPL_COUNT: "two" })).toThrow(
      /LEANFLEET_REPL_COUNT="two": LEANFLEET_REPL_COUNT must be an integer/,
    );
    expect(() => parseWorkerConfig({ ...base, LEANFLEET_VISIBILITY_SECONDS: "1" })).toThrow(/at least 3/);
    expect(() => parseWorkerConfig({ ...base, LEANFLEET_SIMULATE: "yes" })).toThrow(WorkerConfigError);
    expect(() => parseWorkerConfig({ ...base, LEANFLEET_QUEUE_URL: "leanfleet-mathlib" })).toThrow(/queue URL/);
  });
});
