// The README's library quick start must run as written: extract its TypeScript block and run it on the double.
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { execa } from "execa";
import { describe, expect, it } from "vitest";

const root = resolve(import.meta.dirname, "../..");

describe("README library quick start", () => {
  it("runs as written and prints every answer, marked simulated on the double", async () => {
    const readme = readFileSync(join(root, "README.md"), "utf8");
    const block = /```ts\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(block, "README has a ```ts block").toBeDefined();
    const file = join(root, `.readme-example-${process.pid}.ts`);
    writeFileSync(file, block!);
    try {
      // No real REPL: an empty PATH entry for `repl` and no LEANFLEET_REPL, so the double is used.
      const env = { ...process.env, LEANFLEET_REPL: "", PATH: process.env.PATH ?? "" };
      const r = await execa(process.execPath, ["--import", "tsx", file], {
        cwd: root,
        env,
        reject: false,
        timeout: 60_000,
      });
      expect(r.exitCode, r.stderr).toBe(0);
      const lines = r.stdout.split("\n");
      expect(lines.some((l) => l.startsWith("command"))).toBe(true);
      expect(r.stdout).toMatch(/ok .*Completed/s);
      expect(lines.filter((l) => /^ok repl-\d+ \w+ \(simulated\)$/.test(l))).toHaveLength(2);
    } finally {
      rmSync(file, { force: true });
    }
  });
});
