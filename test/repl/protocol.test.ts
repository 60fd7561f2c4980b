// Protocol contract: validation refuses every request the real REPL crashes on (shown against the double, which
// crashes like the REPL), framing survives split multibyte characters, and encoded requests end with one blank line.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { InvalidRequestError, type ReplRequest } from "../../services/repl/index.js";
import { decodeResponse, ResponseSplitter } from "../../services/repl/protocol/protocol.js";
import {
  encodeRequest,
  validateRawRequestText,
  validateRequest,
} from "../../services/repl/protocol/request-validation.js";
import { killAllDoubles, splitResponses, startDouble } from "../fixtures/double-process.js";

const workDir = fs.mkdtempSync(path.join(os.tmpdir(), "leanfleet-protocol-"));

afterAll(async () => {
  expect(await killAllDoubles()).toEqual([]);
  fs.rmSync(workDir, { recursive: true, force: true });
});

function refusal(request: unknown): InvalidRequestError {
  try {
    validateRequest(request);
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidRequestError);
    return err as InvalidRequestError;
  }
  throw new Error(`validateRequest accepted ${JSON.stringify(request)}`);
}

/** Feed raw stdin text to a fresh double and report how it ended. */
async function feed(raw: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const double = startDouble(["--no-transcripts"], { cwd: workDir });
  double.write(raw);
  double.end();
  const exit = await double.exited;
  return { code: exit.code, stdout: double.stdout(), stderr: double.stderr() };
}

interface Case {
  name: string;
  request: unknown;
  /** The field the refusal names. */
  field: string | RegExp;
  /** Whether the real REPL (and so the double) dies on it. */
  crashes: boolean;
}

const CASES: Case[] = [
  { name: "negative env", request: { cmd: "#check 1", env: -1 }, field: "env", crashes: true },
  { name: "fractional env", request: { cmd: "#check 1", env: 1.5 }, field: "env", crashes: true },
  { name: "string env", request: { cmd: "#check 1", env: "0" }, field: "env", crashes: true },
  { name: "negative proofState", request: { tactic: "rfl", proofState: -1 }, field: "proofState", crashes: true },
  { name: "fractional proofState", request: { tactic: "rfl", proofState: 0.5 }, field: "proofState", crashes: true },
  { name: "string proofState", request: { tactic: "rfl", proofState: "0" }, field: "proofState", crashes: true },
  { name: "string allTactics", request: { cmd: "#check 1", allTactics: "true" }, field: "allTactics", crashes: true },
  { name: "numeric rootGoals", request: { cmd: "#check 1", rootGoals: 1 }, field: "rootGoals", crashes: true },
  {
    name: "string incrementality",
    request: { cmd: "#check 1", incrementality: "yes" },
    field: "incrementality",
    crashes: true,
  },
  { name: "numeric declarations", request: { path: "a.lean", declarations: 0 }, field: "declarations", crashes: true },
  {
    name: "setOptions name not split",
    request: { cmd: "#check 1", setOptions: [["pp.all", true]] },
    field: /^setOptions/,
    crashes: true,
  },
  {
    name: "setOptions not an array",
    request: { cmd: "#check 1", setOptions: "pp.all" },
    field: "setOptions",
    crashes: true,
  },
  { name: "numeric cmd", request: { cmd: 42 }, field: "cmd", crashes: true },
  { name: "pickleTo without env or proofState", request: { pickleTo: "a.olean" }, field: "pickleTo", crashes: true },
  { name: "no kind at all", request: { env: 0 }, field: "", crashes: true },
  { name: "not an object", request: [{ cmd: "#check 1" }], field: "", crashes: true },
  // Refused because the REPL would silently misread them (they do not crash it).
  {
    name: "two kinds: tactic and cmd",
    request: { tactic: "rfl", proofState: 0, cmd: "#check 1" },
    field: "tactic+cmd",
    crashes: false,
  },
  {
    name: "two kinds: pickleTo and cmd",
    request: { pickleTo: "a.olean", env: 0, cmd: "#check 1" },
    field: "pickleTo+cmd",
    crashes: false,
  },
  { name: "two kinds: cmd and path", request: { cmd: "#check 1", path: "a.lean" }, field: "cmd+path", crashes: false },
  { name: "unknown key", request: { cmd: "#check 1", timeout: 5 }, field: "timeout", crashes: false },
  { name: "bad infotree", request: { cmd: "#check 1", infotree: "everything" }, field: "infotree", crashes: false },
  { name: "lone surrogate", request: { cmd: "#check \ud800" }, field: "cmd", crashes: false },
];

describe("validateRequest", () => {
  it.each(CASES)("refuses $name, naming the field", ({ request, field }) => {
    const err = refusal(request);
    expect(err.code).toBe("invalid_request");
    if (typeof field === "string") expect(err.field).toBe(field);
    else expect(err.field).toMatch(field);
  });

  it("accepts well-formed requests of every kind", () => {
    const ok: ReplRequest[] = [
      { cmd: "theorem t : 1 = 1 := rfl" },
      { cmd: "#check t", env: 0, allTactics: true, rootGoals: false, infotree: "substantive" },
      { cmd: "#check 1", incrementality: true, setOptions: [[["Elab", "async"], true]], declarations: true },
      { path: "a.lean", env: 3 },
      { tactic: "simp", proofState: 7 },
      { pickleTo: "e.olean", env: 0 },
      { pickleTo: "p.olean", proofState: 0 },
      { unpickleEnvFrom: "e.olean" },
      { unpickleProofStateFrom: "p.olean", env: 1 },
    ];
    for (const r of ok) expect(validateRequest(r)).toBe(r);
  });
});

describe("validateRawRequestText", () => {
  it("refuses a raw newline inside the JSON text (the REPL would delete it: by⏎sorry → bysorry)", () => {
    expect(() => validateRawRequestText('{"cmd": "theorem t : 1 = 1 := by\nrfl"}')).toThrow(InvalidRequestError);
    expect(() => validateRawRequestText('{"cmd":\r\n "#check 1"}')).toThrow(/raw newline/);
  });
  it("accepts one escaped line, with or without its terminator, and refuses broken JSON", () => {
    expect(validateRawRequestText('{"cmd": "theorem t : 1 = 1 := by\\n  rfl"}\n\n')).toEqual({
      cmd: "theorem t : 1 = 1 := by\n  rfl",
    });
    expect(() => validateRawRequestText('{"cmd": "#check 1"')).toThrow(/not valid JSON/);
  });
});

describe("ResponseSplitter", () => {
  const first = '{"sorries": [{"goal": "x : ℕ\\n⊢ x = x ∧ 𝔽"}],\n "env": 0}';
  const second = '{"proofStatus": "Completed", "proofState": 1, "goals": []}';
  const bytes = Buffer.from(`${first}\n\n${second}\n\n`, "utf8");

  it("reassembles multibyte characters split at every byte offset", () => {
    for (let cut = 1; cut < bytes.length; cut++) {
      const splitter = new ResponseSplitter();
      const chunks = [...splitter.push(bytes.subarray(0, cut)), ...splitter.push(bytes.subarray(cut))];
      expect(chunks).toEqual([first, second]);
      expect(splitter.pending).toBe("");
    }
  });

  it("handles one byte at a time and keeps an unfinished response pending", () => {
    const splitter = new ResponseSplitter();
    const chunks: string[] = [];
    for (const b of bytes) chunks.push(...splitter.push(Buffer.from([b])));
    expect(chunks).toEqual([first, second]);
    expect(splitter.push(Buffer.from('{"env": 1', "utf8"))).toEqual([]);
    expect(splitter.pending).toBe('{"env": 1');
    expect(decodeResponse(chunks[0]!).kind).toBe("command");
  });
});

describe("encodeRequest", () => {
  it("writes one line of JSON followed by exactly one blank line", () => {
    const text = encodeRequest({ cmd: "theorem t : 1 = 1 := by\n  rfl", env: 0 });
    expect(text.endsWith("}\n\n")).toBe(true);
    expect(text.endsWith("\n\n\n")).toBe(false);
    expect(text.slice(0, -2)).not.toMatch(/[\r\n]/);
    expect(JSON.parse(text)).toEqual({ cmd: "theorem t : 1 = 1 := by\n  rfl", env: 0 });
  });
  it("validates first", () => {
    expect(() => encodeRequest({ cmd: "x", env: -1 } as ReplRequest)).toThrow(InvalidRequestError);
  });
});

describe.concurrent("the double fails exactly like the REPL", () => {
  it.each(CASES.filter((c) => c.crashes))(
    "crashes on $name (exit 1, uncaught exception, no stdout)",
    async ({ request }) => {
      const r = await feed(`${JSON.stringify(request)}\n\n`);
      expect(r.code).toBe(1);
      expect(r.stdout).toBe("");
      expect(r.stderr).toMatch(/^uncaught exception: \{"message": "Could not parse as a valid JSON command:\\n/);
    },
  );

  it.each(CASES.filter((c) => !c.crashes))(
    "answers $name (refused only because the REPL would misread it)",
    async ({ request }) => {
      const r = await feed(`${JSON.stringify(request)}\n\n`);
      expect(r.code).toBe(0);
      expect(r.stderr).toBe("");
      expect(splitResponses(r.stdout)).toHaveLength(1);
    },
  );

  it("crashes on invalid JSON text", async () => {
    const r = await feed('{"cmd": "#check 1"\n\n');
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/^uncaught exception: \{"message": "Could not parse JSON:\\noffset \d+: /);
  });

  it("crashes on a second consecutive blank line, after answering the request before it", async () => {
    const r = await feed('{"cmd": "#check 1"}\n\n\n{"cmd": "#check 2"}\n\n');
    expect(r.code).toBe(1);
    expect(splitResponses(r.stdout)).toHaveLength(1);
    expect(r.stderr).toMatch(
      /^uncaught exception: \{"message": "Could not parse JSON:\\noffset \d+: unexpected end of input"\}/,
    );
  });

  it("joins a raw newline away instead of crashing (what validateRawRequestText refuses)", async () => {
    const r = await feed('{"cmd": "theorem t : 1 = 1 := by\nsorry"}\n\n');
    expect(r.code).toBe(0);
    const [resp] = splitResponses(r.stdout).map((c) => JSON.parse(c) as { sorries?: unknown[] });
    // "by⏎sorry" became "bysorry": no sorry is reported.
    expect(resp!.sorries).toBeUndefined();
  });

  it("never crashes on any request validateRequest accepts (field-by-field value sweep)", async () => {
    const values: unknown[] = [
      0,
      1,
      -1,
      1.5,
      "0",
      "true",
      true,
      false,
      null,
      [],
      {},
      "full",
      [[["pp", "all"], true]],
      [["pp", true]],
    ];
    const bases: Array<Record<string, unknown>> = [
      { cmd: "#check 1" },
      { path: "missing.lean" },
      { tactic: "rfl", proofState: 0 },
      { pickleTo: "x.olean", env: 0 },
      { pickleTo: "y.olean", proofState: 0 },
    ];
    const fields = [
      "env",
      "proofState",
      "allTactics",
      "rootGoals",
      "infotree",
      "incrementality",
      "setOptions",
      "declarations",
    ];
    const accepted: string[] = [];
    let refused = 0;
    for (const base of bases) {
      for (const field of fields) {
        for (const value of values) {
          const request = { ...base, [field]: value };
          try {
            validateRequest(request);
            accepted.push(JSON.stringify(request));
          } catch (err) {
            expect(err).toBeInstanceOf(InvalidRequestError);
            refused++;
          }
        }
      }
    }
    expect(accepted.length).toBeGreaterThan(20);
    expect(refused).toBeGreaterThan(100);
    const double = startDouble(["--no-transcripts"], { cwd: workDir });
    double.write(accepted.map((line) => `${line}\n\n`).join(""));
    double.end();
    const exit = await double.exited;
    expect(exit.code, double.stderr()).toBe(0);
    expect(splitResponses(double.stdout())).toHaveLength(accepted.length);
  });

  it("answers every request validateRequest accepts, in one session", async () => {
    const requests: ReplRequest[] = [
      { cmd: "theorem t (n : Nat) : n = n := by sorry" },
      { cmd: "#check t", env: 0, allTactics: true, rootGoals: true, infotree: "full" },
      { cmd: "#check 1", incrementality: true, setOptions: [[["Elab", "async"], true]], declarations: true },
      { tactic: "rfl", proofState: 0 },
      { pickleTo: "env.olean", env: 0 },
      { pickleTo: "ps.olean", proofState: 0 },
      { unpickleEnvFrom: "env.olean" },
      { unpickleProofStateFrom: "ps.olean", env: 1 },
      { path: "missing.lean", env: 0 },
    ];
    const double = startDouble(["--no-transcripts"], { cwd: workDir });
    double.write(requests.map(encodeRequest).join(""));
    double.end();
    const exit = await double.exited;
    expect(exit.code, double.stderr()).toBe(0);
    const chunks = splitResponses(double.stdout());
    expect(chunks).toHaveLength(requests.length);
    for (const c of chunks) decodeResponse(c);
    expect(JSON.parse(chunks[8]!)).toEqual({ message: expect.stringContaining("no such file") });
  });
});
