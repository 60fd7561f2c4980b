// The CLI's quick refusals: `check` with no cluster running, and `up` with a fleet name or --data that cannot work.
// Each fails at once with the field, the value and the fix, before anything is started.
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureWritableDir, startLocalCluster } from "../../services/local-cluster/index.js";
import { runCli } from "./helpers/run-cli.js";

describe("quick refusals", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "leanfleet-up-flags-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("check with no cluster listening fails in well under a second and suggests leanfleet up", async () => {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    const port = (server.address() as { port: number }).port;
    await new Promise((r) => server.close(r));
    const file = join(dir, "Ok.lean");
    writeFileSync(file, "theorem t : True := trivial\n");
    const t0 = Date.now();
    const r = await runCli(`http://127.0.0.1:${port}`, "check", file);
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(r.err.filter((l) => l.startsWith("retrying"))).toEqual([]);
    expect(r.thrown?.message).toMatch(
      /nothing is listening at http:\/\/127\.0\.0\.1:\d+ \(connection refused\): start the local cluster with `leanfleet up`/,
    );
  });

  it("up --fleets Mathlib names the flag, the value and a valid name", async () => {
    const r = await runCli("http://127.0.0.1:1", "up", "--port", "0", "--simulate", "--fleets", "default,Mathlib");
    expect(r.thrown?.message).toBe(
      '--fleets: "Mathlib" is not a fleet name; fleet names must be lowercase letters, digits and "-" (not first), at most 40 characters: use e.g. "mathlib"',
    );
  });

  it("startLocalCluster refuses such a fleet too, naming its option", async () => {
    await expect(startLocalCluster({ workers: { min: 0, max: 1 }, fleets: ["Mathlib 4"], api: false })).rejects.toThrow(
      /^fleets: "Mathlib 4" is not a fleet name.*"mathlib-4"$/,
    );
  });

  it.runIf(process.platform === "linux")("up --data /proc/nope fails at once instead of spinning", async () => {
    const t0 = Date.now();
    const r = await runCli("http://127.0.0.1:1", "up", "--port", "0", "--simulate", "--data", "/proc/nope");
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(r.thrown?.message).toBe(
      '--data "/proc/nope": cannot create /proc/nope (ENOENT); use a directory you can create and write to, e.g. --data ./leanfleet-data',
    );
  });

  it("ensureWritableDir creates missing parents and refuses a path under a file", () => {
    const nested = join(dir, "a", "b", "c");
    expect(ensureWritableDir(nested, "--data")).toBe(nested);
    expect(statSync(nested).isDirectory()).toBe(true);
    writeFileSync(join(dir, "file"), "");
    expect(() => ensureWritableDir(join(dir, "file", "x"), "--data")).toThrow(
      `${join(dir, "file")} is not a directory`,
    );
  });
});
