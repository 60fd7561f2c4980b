// Conformance against the 78 recorded REPL transcripts: the double replays each one exactly, and the client's
// decoder parses all 249 recorded responses into typed values without losing anything.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { decodeResponse } from "../../services/repl/protocol/protocol.js";
import { killAllDoubles, splitResponses, startDouble } from "../fixtures/double-process.js";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const TRANSCRIPTS = process.env.LEANFLEET_TRANSCRIPTS_DIR ?? path.resolve(repoRoot, "../shared/repl-transcripts");
const names = fs
  .readdirSync(TRANSCRIPTS)
  .filter((f) => f.endsWith(".in"))
  .map((f) => f.slice(0, -3))
  .sort();

/** Rebuild requests the REPL's way: right-trim lines, join with no separator, split on blank lines. */
function requestsOf(text: string): string[] {
  const out: string[] = [];
  let cur: string | null = null;
  for (const line of text.split("\n")) {
    if (line.trim() === "") {
      if (cur !== null) out.push(cur);
      cur = null;
    } else cur = (cur ?? "") + line.trimEnd();
  }
  if (cur !== null) out.push(cur);
  return out;
}

/** JSON text with sorted keys, so that key order does not matter. */
function canonical(value: unknown): string {
  const sort = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(sort)
      : v && typeof v === "object"
        ? Object.fromEntries(
            Object.keys(v)
              .sort()
              .map((k) => [k, sort((v as Record<string, unknown>)[k])]),
          )
        : v;
  return JSON.stringify(sort(value));
}

const expectedChunks = (name: string) =>
  splitResponses(fs.readFileSync(path.join(TRANSCRIPTS, `${name}.expected.out`), "utf8") + "\n\n");

const workDir = fs.mkdtempSync(path.join(os.tmpdir(), "leanfleet-transcripts-"));

afterAll(async () => {
  expect(await killAllDoubles()).toEqual([]);
  fs.rmSync(workDir, { recursive: true, force: true });
});

describe("transcript data", () => {
  it("has 78 pairs whose request and response counts match (249 responses)", () => {
    expect(names).toHaveLength(78);
    let total = 0;
    for (const name of names) {
      const requests = requestsOf(fs.readFileSync(path.join(TRANSCRIPTS, `${name}.in`), "utf8"));
      const responses = expectedChunks(name);
      expect(responses.length, name).toBe(requests.length);
      total += responses.length;
    }
    expect(total).toBe(249);
  });
});

describe("decodeResponse on every recorded response", () => {
  it("parses all 249 responses into typed values, keeping every field", () => {
    const kinds = { command: 0, proofStep: 0, error: 0 };
    let count = 0;
    for (const name of names) {
      for (const chunk of expectedChunks(name)) {
        const original = JSON.parse(chunk) as Record<string, unknown>;
        const decoded = decodeResponse(chunk);
        kinds[decoded.kind]++;
        count++;
        expect(canonical(decoded.value), `${name}: ${chunk.slice(0, 80)}`).toBe(canonical(original));
        expect(decoded.value).toEqual(original);
        if (decoded.kind === "error") expect(Object.keys(original)).toEqual(["message"]);
        if (decoded.kind === "proofStep") expect(Array.isArray(original.goals)).toBe(true);
        if (decoded.kind === "command") expect(typeof original.env).toBe("number");
      }
    }
    expect(count).toBe(249);
    // The error-shaped responses the transcripts README lists (unknown env/state/tactic, app_type_mismatch2, ...).
    expect(kinds.error).toBeGreaterThanOrEqual(6);
    expect(kinds.command + kinds.proofStep + kinds.error).toBe(249);
  });
});

describe.concurrent("the double replays every transcript", () => {
  it.each(names)("%s", async (name) => {
    const cwd = fs.mkdtempSync(path.join(workDir, `${name}-`));
    fs.mkdirSync(path.join(cwd, "test"));
    const double = startDouble([], { cwd });
    double.write(fs.readFileSync(path.join(TRANSCRIPTS, `${name}.in`), "utf8"));
    double.end();
    const exit = await double.exited;
    expect(exit, double.stderr()).toEqual({ code: 0, signal: null });
    expect(double.stderr()).toBe("");
    const got = splitResponses(double.stdout()).map((c) => canonical(JSON.parse(c)));
    const expected = expectedChunks(name).map((c) => canonical(JSON.parse(c)));
    expect(got).toEqual(expected);
    expect(double.stdout().endsWith("}\n\n")).toBe(true);
  });
});
