// The environment of a simulated fleet's workers: the doubles' commands follow what the worker will see (the shell's
// environment, then the caller's), so a comparator or double flags set in the shell are honoured.
import { describe, expect, it } from "vitest";
import { fleetWorkerEnv, type FleetWorkersOptions } from "../../services/local-cluster/fleet-workers.js";
import { WORKER_ENV } from "../../services/worker/index.js";

function options(commonEnv: Record<string, string>, workerEnv: Record<string, string> = {}): FleetWorkersOptions {
  return {
    commonEnv,
    workerEnv,
    leanEnv: {},
    queues: { default: { queueUrl: "http://127.0.0.1:1/q" } },
    simulated: true,
    replsPerWorker: 1,
    visibilitySeconds: 30,
    pollWaitSeconds: 1,
    drainSeconds: 5,
  } as unknown as FleetWorkersOptions;
}

const argv = (json: string | undefined): string[] => JSON.parse(json ?? "[]") as string[];

describe("fleetWorkerEnv on the doubles", () => {
  it("runs both doubles at the default Lean version when nothing names one", () => {
    const env = fleetWorkerEnv(options({}), "default");
    expect(argv(env[WORKER_ENV.replCommand]).slice(-2)).toEqual(["--lean-version", "4.19.0"]);
    expect(argv(env[WORKER_ENV.comparator]).join(" ")).toMatch(/comparator-double\.ts$/);
  });

  it("keeps a comparator set in the shell, and takes the Lean version from the shell's double flags", () => {
    const shell = { [WORKER_ENV.comparator]: "none", [WORKER_ENV.doubleFlags]: "--lean-version 4.12.0" };
    const env = fleetWorkerEnv(options(shell), "default");
    expect(env[WORKER_ENV.comparator]).toBe("none");
    expect(argv(env[WORKER_ENV.replCommand])).not.toContain("--lean-version");
    expect(env[WORKER_ENV.doubleFlags]).toBe("--lean-version 4.12.0");
    const noComparator = fleetWorkerEnv(options({ [WORKER_ENV.doubleFlags]: "--lean-version 4.12.0" }), "default");
    expect(argv(noComparator[WORKER_ENV.comparator]).slice(-2)).toEqual(["--lean-version", "4.12.0"]);
  });

  it("lets the caller's worker environment override the shell's", () => {
    const env = fleetWorkerEnv(
      options(
        { [WORKER_ENV.doubleFlags]: "--lean-version 4.12.0" },
        { [WORKER_ENV.doubleFlags]: "--lean-version 4.9.0" },
      ),
      "default",
    );
    expect(argv(env[WORKER_ENV.comparator]).slice(-2)).toEqual(["--lean-version", "4.9.0"]);
  });
});
