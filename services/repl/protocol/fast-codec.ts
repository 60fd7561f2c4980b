// A fast path for the wire codec on the per-request hot path: plain checks for the common request and response
// shapes, deferring to protocol.ts (zod) for everything else, so results and errors are exactly protocol.ts's.
import { decodeResponse, parseResponse, REQUEST_TERMINATOR, type ReplRequest, type ReplResponse } from "./protocol.js";
import { encodeRequest } from "./request-validation.js";

// Every check below accepts a subset of what protocol.ts's schemas accept; anything else goes to protocol.ts,
// which accepts or throws its own typed error. Equivalence is tested against all recorded transcripts.

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const COMMAND_FLAGS = new Set(["allTactics", "rootGoals", "incrementality", "declarations"]);
const SEVERITIES = new Set(["info", "warning", "error", "trace"]);

type Obj = Record<string, unknown>;
const isNat = (v: unknown): v is number => typeof v === "number" && Number.isSafeInteger(v) && v >= 0;
const isText = (v: unknown): v is string => typeof v === "string" && !LONE_SURROGATE.test(v);
const isPlain = (v: unknown): v is Obj => {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
};

/** A `cmd` request with only a string `cmd`, a raw `env` id and boolean flags (the common shape). */
function isSimpleCommand(r: Obj): boolean {
  if (typeof r.cmd !== "string") return false;
  for (const key of Object.keys(r)) {
    const v = r[key];
    if (v === undefined) continue;
    if (key === "cmd" ? !isText(v) : key === "env" ? !isNat(v) : !COMMAND_FLAGS.has(key) || typeof v !== "boolean")
      return false;
  }
  return true;
}

/** A `tactic` request with exactly a string `tactic` and a raw `proofState` id. */
function isSimpleTactic(r: Obj): boolean {
  const keys = Object.keys(r);
  return keys.length === 2 && isText(r.tactic) && isNat(r.proofState);
}

/** Same result as protocol.ts `encodeRequest` (same bytes, same InvalidRequestError), faster for common requests. */
export function encodeRequestFast(request: ReplRequest): string {
  const r = request as unknown;
  if (isPlain(r) && (isSimpleCommand(r) || isSimpleTactic(r))) return JSON.stringify(r) + REQUEST_TERMINATOR;
  return encodeRequest(request);
}

const isPos = (v: unknown): boolean =>
  typeof v === "object" && v !== null && isNat((v as Obj).line) && isNat((v as Obj).column);
const optional = (v: unknown, check: (x: unknown) => boolean) => v === undefined || check(v);
const arrayOf = (check: (x: unknown) => boolean) => (v: unknown) => Array.isArray(v) && v.every(check);
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

const isMessage = (v: unknown) =>
  isObj(v) &&
  SEVERITIES.has(v.severity as string) &&
  isPos(v.pos) &&
  (v.endPos === null || isPos(v.endPos)) &&
  typeof v.data === "string";
const isSorry = (v: unknown) =>
  isObj(v) &&
  typeof v.goal === "string" &&
  (v.proofState === undefined || v.proofState === null || isNat(v.proofState)) &&
  optional(v.pos, isPos) &&
  optional(v.endPos, isPos);
const isTactic = (v: unknown) =>
  isObj(v) &&
  typeof v.tactic === "string" &&
  isNat(v.proofState) &&
  isPos(v.pos) &&
  isPos(v.endPos) &&
  typeof v.goals === "string" &&
  optional(
    v.usedConstants,
    arrayOf((c) => typeof c === "string"),
  );
const isMessages = arrayOf(isMessage);
const isSorries = arrayOf(isSorry);

function isCommandResponse(v: Obj): boolean {
  return (
    isNat(v.env) &&
    optional(v.messages, isMessages) &&
    optional(v.sorries, isSorries) &&
    optional(v.tactics, arrayOf(isTactic)) &&
    optional(v.infotree, Array.isArray) &&
    optional(v.declarations, Array.isArray)
  );
}

function isProofStepResponse(v: Obj): boolean {
  return (
    isNat(v.proofState) &&
    arrayOf((g) => typeof g === "string")(v.goals) &&
    optional(v.proofStatus, (s) => typeof s === "string") &&
    optional(v.messages, isMessages) &&
    optional(v.sorries, isSorries) &&
    optional(
      v.traces,
      arrayOf((t) => typeof t === "string"),
    )
  );
}

/** Same result as protocol.ts `decodeResponse` (value-equal response, same ReplProtocolError), faster when well formed. */
export function decodeResponseFast(chunk: string): ReplResponse {
  let json: unknown;
  try {
    json = JSON.parse(chunk);
  } catch {
    return decodeResponse(chunk); // throws the protocol error
  }
  if (!isObj(json)) return parseResponse(json);
  const keys = Object.keys(json);
  if (keys.length === 1 && keys[0] === "message" && typeof json.message === "string")
    return { kind: "error", value: json as { message: string } };
  if ("goals" in json && "proofState" in json) {
    return isProofStepResponse(json) ? { kind: "proofStep", value: json as never } : parseResponse(json);
  }
  return isCommandResponse(json) ? { kind: "command", value: json as never } : parseResponse(json);
}
