// Request validation and encoding: refuse, before anything reaches a REPL, every request the real REPL would crash
// on (negative or fractional ids) or silently misread (two kinds in one request, unknown keys, non-boolean flags,
// lone surrogates, raw newlines), naming the field and the fix.
import { z } from "zod";
import { InvalidRequestError } from "../errors.js";
import { INFOTREE_MODES, REQUEST_TERMINATOR, type ReplRequest, type RequestKind } from "./protocol.js";

/** Serialise a validated request into the exact bytes to write: one line of JSON and one blank line. */
export function encodeRequest(request: ReplRequest): string {
  validateRequest(request);
  return JSON.stringify(request) + REQUEST_TERMINATOR;
}

const nat = (field: string) =>
  z
    .number({
      error: `must be a non-negative integer id (got a ${"non-number"}); pass the id a previous response returned`,
    })
    .int({ error: `must be a non-negative integer id, not a fraction; pass the id a previous response returned` })
    .nonnegative({ error: `must be a non-negative integer id; negative ids crash the REPL` })
    .max(Number.MAX_SAFE_INTEGER)
    .describe(field);
const flag = z.boolean({ error: "must be a JSON boolean (true or false), not a string or number" }).optional();
const text = z.string({ error: "must be a string" });
const optionValue = z.union([z.boolean(), z.number().int(), z.string(), z.array(z.string())], {
  error: "must be a boolean, an integer, a string or an array of strings",
});
const setOptionSchema = z.tuple(
  [z.array(z.string().min(1)).min(1, { error: "option name needs at least one component" }), optionValue],
  {
    error: 'must be a pair [["Elab","async"], true]: the option name split on dots, then its value',
  },
);
const commandOptionsShape = {
  env: nat("env").optional(),
  allTactics: flag,
  rootGoals: flag,
  infotree: z.enum(INFOTREE_MODES, { error: `must be one of ${INFOTREE_MODES.join(", ")}` }).optional(),
  incrementality: flag,
  setOptions: z.array(setOptionSchema, { error: "must be an array of option pairs" }).optional(),
  declarations: flag,
};

const requestSchemas = {
  proofStep: z.strictObject({ tactic: text, proofState: nat("proofState") }),
  pickleEnv: z.strictObject({ pickleTo: text.min(1), env: nat("env") }),
  unpickleEnv: z.strictObject({ unpickleEnvFrom: text.min(1) }),
  pickleProofState: z.strictObject({ pickleTo: text.min(1), proofState: nat("proofState") }),
  unpickleProofState: z.strictObject({ unpickleProofStateFrom: text.min(1), env: nat("env").optional() }),
  command: z.strictObject({ cmd: text, ...commandOptionsShape }),
  file: z.strictObject({ path: text.min(1), ...commandOptionsShape }),
} satisfies Record<RequestKind, z.ZodType>;

/** The key that marks each kind of request; a request holding two of them is ambiguous. */
const KIND_KEYS: ReadonlyArray<[string, RequestKind | "pickle"]> = [
  ["tactic", "proofStep"],
  ["pickleTo", "pickle"],
  ["unpickleEnvFrom", "unpickleEnv"],
  ["unpickleProofStateFrom", "unpickleProofState"],
  ["cmd", "command"],
  ["path", "file"],
];

/** Which kind a request is, by its marking key; throws {@link InvalidRequestError} when none or several match. */
export function requestKind(request: unknown): RequestKind {
  if (typeof request !== "object" || request === null || Array.isArray(request)) {
    throw new InvalidRequestError("", 'a request must be a JSON object such as {"cmd": "#check 1"}');
  }
  const present = KIND_KEYS.filter(
    ([key]) => key in request && (request as Record<string, unknown>)[key] !== undefined,
  );
  if (present.length === 0) {
    throw new InvalidRequestError(
      "",
      `no request kind: give exactly one of ${KIND_KEYS.map(([k]) => k).join(", ")} (e.g. {"cmd": "#check 1"})`,
    );
  }
  if (present.length > 1) {
    throw new InvalidRequestError(
      present.map(([k]) => k).join("+"),
      `the request matches two kinds (${present.map(([k]) => k).join(" and ")}); the REPL would silently pick one. Send only the keys of the kind you mean`,
    );
  }
  const [, kind] = present[0]!;
  if (kind !== "pickle") return kind;
  const r = request as Record<string, unknown>;
  if (r.env !== undefined && r.proofState !== undefined) {
    throw new InvalidRequestError("env+proofState", "pickleTo takes either env or proofState, not both");
  }
  if (r.proofState !== undefined) return "pickleProofState";
  if (r.env !== undefined) return "pickleEnv";
  throw new InvalidRequestError(
    "pickleTo",
    "pickleTo needs env (to pickle an environment) or proofState (to pickle a proof state)",
  );
}

/** Find a lone UTF-16 surrogate (not valid Unicode; the REPL's UTF-8 decoder would mangle or reject it). */
function loneSurrogateAt(s: string): number {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        i++;
        continue;
      }
      return i;
    }
    if (c >= 0xdc00 && c <= 0xdfff) return i;
  }
  return -1;
}

function checkStrings(value: unknown, path: string): void {
  if (typeof value === "string") {
    const at = loneSurrogateAt(value);
    if (at !== -1)
      throw new InvalidRequestError(
        path,
        `contains an unpaired UTF-16 surrogate at index ${at}; send valid Unicode text`,
      );
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => checkStrings(v, `${path}[${i}]`));
  } else if (typeof value === "object" && value !== null) {
    for (const [k, v] of Object.entries(value)) checkStrings(v, path ? `${path}.${k}` : k);
  }
}

/**
 * Check a request before it reaches a REPL: exactly one kind, only that kind's keys, ids that are non-negative
 * integers, flags that are booleans, valid Unicode. Returns the request typed; throws {@link InvalidRequestError}
 * naming the field and the fix.
 */
export function validateRequest(request: unknown): ReplRequest {
  const kind = requestKind(request);
  const parsed = requestSchemas[kind].safeParse(request);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = issue.path.join(".");
    if (issue.code === "unrecognized_keys") {
      throw new InvalidRequestError(
        issue.keys.join(", "),
        `not a field of a ${kind} request; allowed: ${Object.keys(requestSchemas[kind].shape).join(", ")}`,
      );
    }
    throw new InvalidRequestError(field, issue.message);
  }
  checkStrings(request, "");
  return request as ReplRequest;
}

/**
 * Check raw request text as a caller might write it to a REPL directly: one line, no raw newline (the REPL
 * deletes raw newlines inside strings: `by⏎sorry` becomes `bysorry`), and decodable as a valid request.
 */
export function validateRawRequestText(line: string): ReplRequest {
  const trimmed = line.replace(/\n+$/, "");
  if (/[\r\n]/.test(trimmed)) {
    throw new InvalidRequestError(
      "",
      "raw newline in request text: the REPL joins request lines without separators and would delete it; escape newlines as \\n (JSON.stringify does)",
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(trimmed);
  } catch (err) {
    throw new InvalidRequestError(
      "",
      `not valid JSON (${(err as Error).message}); the REPL would exit with "uncaught exception"`,
    );
  }
  return validateRequest(json);
}
