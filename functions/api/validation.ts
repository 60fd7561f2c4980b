// Turning request bytes into validated values: size, UTF-8, JSON / JSON Lines, well-formed Unicode, zod schemas.
// Every failure becomes a BadRequestError that names the field and the fix.
import type { Context } from "hono";
import { z } from "zod";
import type { BodyReader } from "./deps.js";
import { BadRequestError, PayloadTooLargeError, UnsupportedMediaTypeError } from "./errors.js";

/** `items[3].options.infotree` from a zod path, under an optional prefix. */
export function fieldPath(path: readonly PropertyKey[], prefix = ""): string {
  let out = prefix;
  for (const p of path) out += typeof p === "number" ? `[${p}]` : out === "" ? String(p) : `.${String(p)}`;
  return out;
}

function issueMessage(issue: z.core.$ZodIssue, allowed: string[]): string {
  switch (issue.code) {
    case "unrecognized_keys":
      return `unknown field${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => JSON.stringify(k)).join(", ")}; allowed fields: ${allowed.join(", ")}`;
    case "invalid_type":
      // Custom messages (set in the schemas) already say what is expected; zod's default is kept otherwise.
      return issue.message.startsWith("Invalid input")
        ? `must be ${issue.expected === "object" ? "an object" : `a ${issue.expected}`}`
        : issue.message;
    default:
      return issue.message;
  }
}

function shapeKeys(schema: z.ZodType): string[] {
  const def = (schema as unknown as { def?: { shape?: Record<string, unknown>; in?: z.ZodType; schema?: z.ZodType } })
    .def;
  if (def?.shape) return Object.keys(def.shape);
  if (def?.in) return shapeKeys(def.in);
  if (def?.schema) return shapeKeys(def.schema);
  return [];
}

/** Validate `value` with `schema`; on failure throw a BadRequestError for the first issue, its field under `prefix`. */
export function parseWith<S extends z.ZodType>(schema: S, value: unknown, prefix = ""): z.infer<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const field = fieldPath(issue.code === "unrecognized_keys" ? [...issue.path, issue.keys[0]!] : issue.path, prefix);
  const allowed = issue.code === "unrecognized_keys" ? shapeKeys(schema) : [];
  throw new BadRequestError(field === "" ? undefined : field, issueMessage(issue, allowed));
}

/** What each query schema makes of an absent query string (it never changes; frozen so no caller can alter it). */
const noQueryResults = new WeakMap<z.ZodType, unknown>();

/** Validate the query string of a request against a (strict) schema of its parameters. */
export function parseQuery<S extends z.ZodType>(c: Context, schema: S): z.infer<S> {
  // Most requests have no query string: answer them from the schema's cached result instead of parsing nothing.
  const noQuery = !c.req.url.includes("?");
  if (noQuery && noQueryResults.has(schema)) return noQueryResults.get(schema) as z.infer<S>;
  const q = c.req.queries();
  const flat: Record<string, string> = {};
  for (const [k, v] of Object.entries(q)) {
    if (v.length > 1) throw new BadRequestError(k, "is given more than once; pass it once");
    flat[k] = v[0]!;
  }
  const r = schema.safeParse(flat);
  if (r.success) {
    if (noQuery)
      noQueryResults.set(schema, typeof r.data === "object" && r.data !== null ? Object.freeze(r.data) : r.data);
    return r.data;
  }
  const issue = r.error.issues[0]!;
  if (issue.code === "unrecognized_keys") {
    const allowed = shapeKeys(schema);
    throw new BadRequestError(
      issue.keys[0],
      `unknown query parameter; ${allowed.length ? `allowed: ${allowed.join(", ")}` : "this route takes none"}`,
    );
  }
  throw new BadRequestError(fieldPath(issue.path), issue.message);
}

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

/** The body's bytes: from the runtime's own reader when it has one (local.ts on Node), else Hono's general path. */
async function bodyBytes(c: Context, fast?: BodyReader): Promise<Uint8Array> {
  return (await fast?.(c)) ?? new Uint8Array(await c.req.arrayBuffer());
}

/**
 * Read the body as text: at most `maxBytes`, strictly valid UTF-8 (a leading BOM is dropped). `fast` is the
 * runtime adapter's reader (ApiDeps.bodyReader), tried first.
 */
export async function readText(c: Context, maxBytes: number, fast?: BodyReader): Promise<string> {
  const bytes = await bodyBytes(c, fast);
  if (bytes.byteLength > maxBytes) throw new PayloadTooLargeError(maxBytes);
  try {
    return utf8.decode(bytes);
  } catch {
    throw new BadRequestError(
      undefined,
      `the body is not valid UTF-8 (bad byte sequence near byte ${firstBadUtf8(bytes)}); send UTF-8 encoded JSON`,
      "invalid_utf8",
    );
  }
}

function firstBadUtf8(bytes: Uint8Array): number {
  // Binary search for the shortest prefix that fails to decode; cheap and only on the error path.
  let lo = 0;
  let hi = bytes.byteLength;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    try {
      new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(0, mid + 1), { stream: true });
      lo = mid + 1;
    } catch {
      hi = mid;
    }
  }
  return lo;
}

/** Parse JSON text, throwing `invalid_json` with the parser's reason and an example of the expected body. */
export function parseJson(text: string, example: string, where?: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    // Emptiness is checked only on failure: trimming first would copy every (up to megabytes long) body.
    if (/^\s*$/.test(text))
      throw new BadRequestError(where, `the body is empty; send JSON such as ${example}`, "invalid_json");
    throw new BadRequestError(
      where,
      `not valid JSON (${(err as Error).message}); send JSON such as ${example}`,
      "invalid_json",
    );
  }
}

/** Throw `invalid_unicode` naming the field when a string (or key) holds a lone UTF-16 surrogate (from a `\ud800` escape). */
export function checkWellFormed(value: unknown, path = ""): void {
  if (typeof value === "string") {
    if (!(value as unknown as { isWellFormed(): boolean }).isWellFormed()) {
      throw new BadRequestError(
        path || undefined,
        "contains an unpaired UTF-16 surrogate escape (e.g. \\ud800); send valid Unicode text",
        "invalid_unicode",
      );
    }
  } else if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) checkWellFormed(value[i], `${path}[${i}]`);
  } else if (typeof value === "object" && value !== null) {
    for (const [k, v] of Object.entries(value)) {
      checkWellFormed(k, path);
      checkWellFormed(v, path ? `${path}.${k}` : k);
    }
  }
}

/** Media types read as JSON Lines (one JSON value per line). */
export const JSON_LINES_TYPES = [
  "application/x-ndjson",
  "application/jsonl",
  "application/x-jsonlines",
  "application/json-lines",
  "application/jsonlines",
];

/** The body's media type (lowercase, without parameters), or "" when there is no content-type header. */
export function mediaType(c: Context): string {
  const header = c.req.header("content-type");
  if (header === undefined || header === "application/json") return header ?? ""; // the common cases, without copies
  return header.split(";")[0]!.trim().toLowerCase();
}

/** Require a JSON body (`application/json`, or no content type). */
export function requireJsonType(c: Context): void {
  const t = mediaType(c);
  if (t !== "" && t !== "application/json" && !t.endsWith("+json"))
    throw new UnsupportedMediaTypeError(t, ["application/json"]);
}
