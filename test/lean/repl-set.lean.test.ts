// The REPL set on real Lean (npm run test:lean): a few of the recorded transcripts replayed through LeanServer
// (the responses must equal the recorded ones up to key order), a timeout that kills the process tree, and a
// restart after which the pool answers again.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { detectRepl, LeanServer, ReplPool, type LeanReplConfig } from "../../services/repl/index.js";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const TRANSCRIPTS = process.env.LEANFLEET_TRANSCRIPTS_DIR ?? path.resolve(repoRoot, "../shared/repl-transcripts");
const found = detectRepl();
if (!found.ok) throw new Error(`test:lean needs a Lean REPL: ${found.error.message}`);
const config: LeanReplConfig = found.config;
const closers: (() => Promise<void>)[] = [];
afterAll(async () => Promise.all(closers.map((c) => c())));

/** The recorded requests and answers of a transcript (blank-line separated, as the REPL reads them). */
function transcript(name: string): { requests: unknown[]; answers: unknown[] } {
  const blocks = (t: string) =>
    t
      .split(/\n\s*\n/)
      .map((b) => b.trim())
      .filter((b) => b !== "" && !b.startsWith("--") && !b.startsWith("#"));
  const requests = blocks(fs.readFileSync(path.join(TRANSCRIPTS, `${name}.in`), "utf8")).map((b) =>
    JSON.parse(
      b
        .split("\n")
        .map((l) => l.trimEnd())
        .join(""),
    ),
  );
  const answers = blocks(fs.readFileSync(path.join(TRANSCRIPTS, `${name}.expected.out`), "utf8")).map((b) =>
    JSON.parse(b),
  );
  return { requests, answers };
}

const sortKeys = (v: unknown): unknown =>
  Array.isArray(v)
    ? v.map(sortKeys)
    : v && typeof v === "object"
      ? Object.fromEntries(
          Object.keys(v)
            .sort()
            .map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]),
        )
      : v;

describe("REPL set on real Lean", () => {
  for (const name of ["all_tactics", "def_eval", "invalid_tactic", "sorry_proof"].filter((n) =>
    fs.existsSync(path.join(TRANSCRIPTS, `${n}.in`)),
  )) {
    it(`replays transcript ${name}`, async () => {
      const server = new LeanServer(config);
      closers.push(() => server.close());
      const t = transcript(name);
      for (let i = 0; i < t.requests.length; i++) {
        const { response } = await server.run(t.requests[i] as never, { timeoutMs: 300_000 });
        expect(sortKeys(response.value)).toEqual(sortKeys(t.answers[i]));
      }
    });
  }

  it("kills the REPL at a timeout and answers again after the restart", async () => {
    const pool = new ReplPool(config, { size: 1 });
    closers.push(() => pool.close());
    const slow = await pool.run(
      { cmd: "def spin : Nat → Nat\n  | 0 => 0\n  | n + 1 => spin n\n#eval spin 100000000000" },
      { timeoutMs: 3_000 },
    );
    expect(slow.status).toBe("timeout");
    const pid = pool.servers[0]!.pid;
    const again = await pool.run({ cmd: "theorem t : 1 + 1 = 2 := rfl" }, { timeoutMs: 300_000 });
    expect(again.status).toBe("ok");
    expect(pool.servers[0]!.pid).not.toBe(pid);
    expect(pool.stats().restarts).toBeGreaterThanOrEqual(1);
  });
});
