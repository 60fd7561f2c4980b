// The Lean REPL's JSON protocol (leanprover-community/repl and the fork augustepoiroux/repl): request and response
// types, response parsing and blank-line framing. Request validation and encoding: request-validation.ts.
import { StringDecoder } from "node:string_decoder";
import { z } from "zod";
import { ReplProtocolError } from "../errors.js";

// ---------------------------------------------------------------------------------------------------------------
// Requests (wire shape, exactly the keys the REPL reads)

/** Option value accepted by the fork's `setOptions`: bool, nat, int, string, or a Name as an array of strings. */
export type OptionValue = boolean | number | string | string[];
/** One `setOptions` entry: the option name split on dots, and its value, e.g. `[["Elab","async"], true]`. */
export type SetOption = [name: string[], value: OptionValue];

/** Options shared by `cmd` and `path` requests (upstream keys plus the fork's additions). */
export interface CommandOptions {
  /** Base environment; absent means a fresh environment (imports allowed only then). */
  env?: number;
  /** Report every substantive tactic with its proof state. */
  allTactics?: boolean;
  /** Report the root goal of every tactic block as a sorry. */
  rootGoals?: boolean;
  /** Infotree filter: `full`, `tactics`, `original` or `substantive`. */
  infotree?: InfotreeMode;
  /** Fork only: reuse the longest already-elaborated prefix (and the import header) inside this REPL process. */
  incrementality?: boolean;
  /** Fork only: options applied when a fresh environment is built (ignored with `env` or a cached header). */
  setOptions?: SetOption[];
  /** Fork only: report declaration information. */
  declarations?: boolean;
}

/** Infotree filters the REPL understands. */
export const INFOTREE_MODES = ["full", "tactics", "original", "substantive"] as const;
/** One of {@link INFOTREE_MODES}. */
export type InfotreeMode = (typeof INFOTREE_MODES)[number];

/** Elaborate Lean source text. */
export interface CommandRequest extends CommandOptions {
  cmd: string;
}
/** Elaborate a file (path relative to the REPL's cwd). */
export interface FileRequest extends CommandOptions {
  path: string;
}
/** Run one tactic on a stored proof state. */
export interface ProofStepRequest {
  tactic: string;
  proofState: number;
}
/** Write an environment to an .olean pickle. */
export interface PickleEnvRequest {
  pickleTo: string;
  env: number;
}
/** Write a proof state to an .olean pickle. */
export interface PickleProofStateRequest {
  pickleTo: string;
  proofState: number;
}
/** Load an environment from a pickle. */
export interface UnpickleEnvRequest {
  unpickleEnvFrom: string;
}
/** Load a proof state from a pickle, optionally on top of an environment. */
export interface UnpickleProofStateRequest {
  unpickleProofStateFrom: string;
  env?: number;
}

/** Every request the REPL accepts. */
export type ReplRequest =
  | CommandRequest
  | FileRequest
  | ProofStepRequest
  | PickleEnvRequest
  | PickleProofStateRequest
  | UnpickleEnvRequest
  | UnpickleProofStateRequest;

/** The kinds of request, in the order the REPL tries them. */
export type RequestKind =
  "proofStep" | "pickleEnv" | "unpickleEnv" | "pickleProofState" | "unpickleProofState" | "command" | "file";

// ---------------------------------------------------------------------------------------------------------------
// Responses (unknown fields are kept: every object type is open)

/** A position: 1-based line, 0-based column in Unicode code points; line 0 means "no position". */
export interface Pos {
  line: number;
  column: number;
}
/** A Lean message. */
export interface Message {
  severity: "info" | "warning" | "error" | "trace";
  pos: Pos;
  endPos: Pos | null;
  data: string;
  [extra: string]: unknown;
}
/** A `sorry` with the proof state it leaves (positions absent in tactic-mode responses). */
export interface Sorry {
  goal: string;
  proofState?: number | null;
  pos?: Pos;
  endPos?: Pos;
  [extra: string]: unknown;
}
/** A tactic reported by `allTactics` (note: `goals` is one string here). */
export interface TacticInfo {
  tactic: string;
  proofState: number;
  pos: Pos;
  endPos: Pos;
  goals: string;
  usedConstants?: string[];
  [extra: string]: unknown;
}
/** Response to `cmd`, `path`, `pickleTo`(env) and `unpickleEnvFrom`. */
export interface CommandResponse {
  env: number;
  messages?: Message[];
  sorries?: Sorry[];
  tactics?: TacticInfo[];
  infotree?: unknown[];
  declarations?: unknown[];
  [extra: string]: unknown;
}
/** Response to `tactic`, `pickleTo`(proofState) and `unpickleProofStateFrom`. */
export interface ProofStepResponse {
  proofState: number;
  goals: string[];
  proofStatus?: string;
  messages?: Message[];
  sorries?: Sorry[];
  traces?: string[];
  [extra: string]: unknown;
}
/** A REPL-level error (`Unknown environment.`, `Lean error:\n…`, an IO error text). */
export interface ReplErrorResponse {
  message: string;
  [extra: string]: unknown;
}
/** Any response, tagged by shape. */
export type ReplResponse =
  | { kind: "command"; value: CommandResponse }
  | { kind: "proofStep"; value: ProofStepResponse }
  | { kind: "error"; value: ReplErrorResponse };

const posSchema = z.looseObject({ line: z.number().int().nonnegative(), column: z.number().int().nonnegative() });
const messageSchema = z.looseObject({
  severity: z.enum(["info", "warning", "error", "trace"]),
  pos: posSchema,
  endPos: posSchema.nullable(),
  data: z.string(),
});
const sorrySchema = z.looseObject({
  goal: z.string(),
  proofState: z.number().int().nonnegative().nullable().optional(),
  pos: posSchema.optional(),
  endPos: posSchema.optional(),
});
const tacticSchema = z.looseObject({
  tactic: z.string(),
  proofState: z.number().int().nonnegative(),
  pos: posSchema,
  endPos: posSchema,
  goals: z.string(),
  usedConstants: z.array(z.string()).optional(),
});
const commandResponseSchema = z.looseObject({
  env: z.number().int().nonnegative(),
  messages: z.array(messageSchema).optional(),
  sorries: z.array(sorrySchema).optional(),
  tactics: z.array(tacticSchema).optional(),
  infotree: z.array(z.unknown()).optional(),
  declarations: z.array(z.unknown()).optional(),
});
const proofStepResponseSchema = z.looseObject({
  proofState: z.number().int().nonnegative(),
  goals: z.array(z.string()),
  proofStatus: z.string().optional(),
  messages: z.array(messageSchema).optional(),
  sorries: z.array(sorrySchema).optional(),
  traces: z.array(z.string()).optional(),
});

/**
 * Classify and check one decoded response. An object whose only key is `message` is an error; one with
 * `proofState` and `goals` is a proof-step response; one with `env` is a command response. Unknown keys are kept.
 */
export function parseResponse(json: unknown): ReplResponse {
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    throw new ReplProtocolError("REPL response is not a JSON object", JSON.stringify(json));
  }
  const keys = Object.keys(json);
  if (keys.length === 1 && keys[0] === "message" && typeof (json as { message: unknown }).message === "string") {
    return { kind: "error", value: json as ReplErrorResponse };
  }
  const schema = "goals" in json && "proofState" in json ? proofStepResponseSchema : commandResponseSchema;
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    throw new ReplProtocolError(
      `REPL response has an unexpected shape: ${z.prettifyError(parsed.error)}`,
      JSON.stringify(json),
    );
  }
  return schema === proofStepResponseSchema
    ? { kind: "proofStep", value: parsed.data as ProofStepResponse }
    : { kind: "command", value: parsed.data as CommandResponse };
}

/** Decode one framed chunk of REPL stdout into a response. */
export function decodeResponse(chunk: string): ReplResponse {
  let json: unknown;
  try {
    json = JSON.parse(chunk);
  } catch {
    throw new ReplProtocolError("REPL wrote a chunk that is not JSON (the session is treated as corrupted)", chunk);
  }
  return parseResponse(json);
}

// ---------------------------------------------------------------------------------------------------------------
// Framing

/** The request terminator: the JSON line's newline plus exactly one blank line. */
export const REQUEST_TERMINATOR = "\n\n";

/**
 * Splits REPL stdout into one chunk per response. Bytes are decoded as a UTF-8 stream (multibyte characters such
 * as `⊢` can straddle reads); responses are separated by a blank line, and never contain one.
 */
export class ResponseSplitter {
  readonly #decoder = new StringDecoder("utf8");
  #buffer = "";

  /** Feed bytes (or text) read from stdout; returns every response chunk completed by them. */
  push(data: Buffer | string): string[] {
    this.#buffer += typeof data === "string" ? data : this.#decoder.write(data);
    const out: string[] = [];
    let cut = this.#buffer.indexOf("\n\n");
    while (cut !== -1) {
      const chunk = this.#buffer.slice(0, cut).trim();
      this.#buffer = this.#buffer.slice(cut + 2);
      if (chunk.length > 0) out.push(chunk);
      cut = this.#buffer.indexOf("\n\n");
    }
    return out;
  }

  /** Text received after the last complete response (non-empty when the REPL died mid-response). */
  get pending(): string {
    return this.#buffer;
  }
}

/** True when the response is a REPL error (`{message}` only). */
export function isErrorResponse(r: ReplResponse): r is { kind: "error"; value: ReplErrorResponse } {
  return r.kind === "error";
}

/** Error-severity messages of a command or proof-step response. */
export function errorMessages(r: ReplResponse): Message[] {
  if (r.kind === "error") return [];
  return (r.value.messages ?? []).filter((m) => m.severity === "error");
}
