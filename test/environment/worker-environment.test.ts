// The worker's environment at start: the double's own record (simulated), stored once per id with a per-fleet
// marker, the same id for the same double and another for another --lean-version; a worker whose toolchain differs
// from what its fleet declares refuses to start, naming both.
import { execa } from "execa";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { establishEnvironment } from "../../services/worker/environment.js";
import { MemoryObjectStore } from "../support/fakes.js";
import { comparatorDoubleCommand, doubleConfig, replDoubleCommand, REPO_ROOT } from "../support/double.js";

function doubleRead(leanVersion: string) {
  return {
    simulated: true,
    replArgv: doubleConfig({ flags: ["--lean-version", leanVersion] }).argv,
    comparator: comparatorDoubleCommand(),
    comparatorIsDouble: true,
  };
}

describe("a worker's environment", () => {
  it("is the double's own record, simulated, stored once, with the fleet's marker", async () => {
    const store = new MemoryObjectStore();
    const a = await establishEnvironment({
      fleet: "f",
      workerId: "w1",
      store,
      expect: {},
      read: doubleRead("4.19.0"),
    });
    const b = await establishEnvironment({
      fleet: "f",
      workerId: "w2",
      store,
      expect: {},
      read: doubleRead("4.19.0"),
    });
    const c = await establishEnvironment({
      fleet: "f",
      workerId: "w3",
      store,
      expect: {},
      read: doubleRead("4.29.0-rc6"),
    });
    expect(a.id).toMatch(/^env-[0-9a-f]{8}$/);
    expect(b.id).toBe(a.id);
    expect(c.id).not.toBe(a.id);
    expect(a.record).toMatchObject({
      simulated: true,
      lean: { version: "4.19.0", commit: null },
      repl: { flavor: "double" },
      tools: { comparator: { simulated: true } },
      image: null,
    });
    expect(JSON.parse((await store.get(`environments/${a.id}.json`))!)).toEqual({ id: a.id, ...a.record });
    expect((await store.list("environments/by-fleet/f/")).keys).toEqual(
      [`environments/by-fleet/f/${a.id}.json`, `environments/by-fleet/f/${c.id}.json`].sort(),
    );
    expect(JSON.parse((await store.get(`environments/by-fleet/f/${a.id}.json`))!)).toMatchObject({ firstWorker: "w1" });
  });

  it("refuses a toolchain other than the declared one, naming both", async () => {
    const store = new MemoryObjectStore();
    await expect(
      establishEnvironment({
        fleet: "f",
        workerId: "w",
        store,
        expect: { toolchain: "leanprover/lean4:v4.22.0" },
        read: doubleRead("4.19.0"),
      }),
    ).rejects.toMatchObject({
      code: "environment_mismatch",
      message: expect.stringContaining(
        "the fleet declares toolchain leanprover/lean4:v4.22.0, but lean --version reports 4.19.0",
      ),
    });
    expect((await store.list("environments/")).keys).toEqual([]);
  });

  it("stops the worker process before it takes a job", async () => {
    const r = await execa(process.execPath, ["--import", "tsx", join(REPO_ROOT, "services/worker/main.ts")], {
      reject: false,
      timeout: 30_000,
      env: {
        LEANFLEET_FLEET: "f",
        LEANFLEET_QUEUE_URL: "http://127.0.0.1:9/queue/f",
        LEANFLEET_BUCKET: "bucket",
        LEANFLEET_AWS_ENDPOINT: "http://127.0.0.1:9",
        LEANFLEET_SIMULATE: "1",
        LEANFLEET_REPL_COMMAND: JSON.stringify(replDoubleCommand()),
        LEANFLEET_REPL_COUNT: "1",
        LEANFLEET_HEALTH_PORT: "off",
        LEANFLEET_DOUBLE_FLAGS: "--lean-version 4.19.0",
        LEANFLEET_EXPECT_TOOLCHAIN: "leanprover/lean4:v4.22.0",
      },
    });
    expect(r.exitCode).toBe(1);
    expect(String(r.stdout) + String(r.stderr)).toMatch(
      /worker cannot start: the fleet declares toolchain leanprover\/lean4:v4.22.0, but lean --version reports 4.19.0/,
    );
  });
});
