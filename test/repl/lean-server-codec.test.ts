// The LeanServer hot-path codec (fast-codec.ts) must give exactly protocol.ts's results: the same bytes or the same
// error for requests, value-equal responses or the same error for REPL output, on every recorded transcript and
// on hand-made edge cases.
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import type { ReplRequest } from "../../services/repl/index.js";
import { decodeResponseFast, encodeRequestFast } from "../../services/repl/protocol/fast-codec.js";
import { decodeResponse, ResponseSplitter } from "../../services/repl/protocol/protocol.js";
import { encodeRequest } from "../../services/repl/protocol/request-validation.js";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const transcripts = process.env.LEANFLEET_TRANSCRIPTS_DIR ?? resolve(repoRoot, "../shared/repl-transcripts");

/** Run both functions; equal results, or errors with the same class, code and message. */
function same(fast: () => unknown, reference: () => unknown): void {
  let expected: unknown;
  let expectedErr: unknown = null;
  try {
    expected = reference();
  } catch (err) {
    expectedErr = err;
  }
  if (expectedErr === null) {
    expect(fast()).toEqual(expected);
    return;
  }
  let actualErr: unknown = null;
  try {
    fast();
  } catch (err) {
    actualErr = err;
  }
  expect(actualErr).toBeInstanceOf((expectedErr as object).constructor);
  expect((actualErr as Error).message).toBe((expectedErr as Error).message);
}

const files = readdirSync(transcripts);

describe("fast codec on the recorded transcripts", () => {
  it("decodes every recorded response exactly like decodeResponse", () => {
    let count = 0;
    for (const f of files.filter((n) => n.endsWith(".expected.out"))) {
      const chunks = new ResponseSplitter().push(readFileSync(join(transcripts, f)));
      for (const chunk of chunks) {
        same(
          () => decodeResponseFast(chunk),
          () => decodeResponse(chunk),
        );
        count++;
      }
    }
    expect(count).toBeGreaterThanOrEqual(200);
  });

  it("encodes every recorded request exactly like encodeRequest", () => {
    let count = 0;
    for (const f of files.filter((n) => n.endsWith(".in"))) {
      for (const block of readFileSync(join(transcripts, f), "utf8").split(/\n\s*\n/)) {
        const text = block
          .split("\n")
          .map((l) => l.trim())
          .join("");
        if (!text.startsWith("{")) continue;
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          continue;
        }
        same(
          () => encodeRequestFast(json as ReplRequest),
          () => encodeRequest(json as ReplRequest),
        );
        count++;
      }
    }
    expect(count).toBeGreaterThanOrEqual(150);
  });
});

describe("fast codec on edge cases", () => {
  const requests: unknown[] = [
    { cmd: "#check 1" },
    { cmd: "#check 1", env: 0, allTactics: true, incrementality: false },
    { cmd: "#check 1", env: undefined },
    { cmd: "#check 1", env: -1 },
    { cmd: "#check 1", env: 1.5 },
    { cmd: "#check 1", env: "0" },
    { cmd: "#check 1", env: 2 ** 53 },
    { cmd: "#check 1", allTactics: "true" },
    { cmd: "#check 1", infotree: "full" },
    { cmd: "#check 1", setOptions: [[["Elab", "async"], true]] },
    { cmd: "bad \ud800 text" },
    { cmd: "pair \ud83d\ude00 ok" },
    { cmd: "#check 1", tactic: "rfl" },
    { cmd: "#check 1", bogus: 1 },
    { cmd: null },
    { tactic: "rfl", proofState: 0 },
    { tactic: "rfl", proofState: -3 },
    { tactic: "rfl", proofState: 0, env: 1 },
    { tactic: "\udc00", proofState: 0 },
    Object.assign(Object.create(null) as object, { cmd: "#check 1" }),
    { cmd: "#check 1", toJSON: () => ({ cmd: "other" }) },
    [],
    null,
  ];
  it.each(requests.map((r, i) => [i, r]))("request %i", (_i, r) => {
    same(
      () => encodeRequestFast(r as ReplRequest),
      () => encodeRequest(r as ReplRequest),
    );
  });

  const responses: string[] = [
    '{"env": 0}',
    '{"message": "Unknown environment."}',
    '{"message": 3}',
    '{"env": -1}',
    '{"env": 1.5}',
    '{"env": 0, "messages": null}',
    '{"env": 0, "messages": [{"severity": "fatal", "pos": {"line": 1, "column": 0}, "endPos": null, "data": "x"}]}',
    '{"env": 0, "messages": [{"severity": "error", "pos": {"line": 1, "column": -1}, "endPos": null, "data": "x"}]}',
    '{"env": 0, "messages": [{"severity": "error", "pos": {"line": 1, "column": 0}, "data": "x"}]}',
    '{"env": 0, "sorries": [{"goal": "⊢ True", "proofState": null}], "extra": {"kept": true}}',
    '{"env": 0, "sorries": [{"goal": "⊢ True", "proofState": "1"}]}',
    '{"env": 0, "tactics": [{"tactic": "rfl", "proofState": 1, "pos": {"line": 1, "column": 0}, "endPos": {"line": 1, "column": 3}, "goals": ["x"]}]}',
    '{"env": 0, "infotree": {}}',
    '{"proofState": 1, "goals": ["⊢ True"], "proofStatus": "Incomplete"}',
    '{"proofState": 1, "goals": [1]}',
    '{"proofState": 1, "goals": [], "traces": ["a", 2]}',
    "[1, 2]",
    '"text"',
    "not json",
    '{"sorries": []}',
  ];
  it.each(responses.map((r, i) => [i, r]))("response %i", (_i, r) => {
    same(
      () => decodeResponseFast(r),
      () => decodeResponse(r),
    );
  });
});
