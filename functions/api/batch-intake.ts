// Reads the items of a POST /v1/batches body: a JSON array or JSON Lines, each item validated, all-or-nothing.
import type { Context } from "hono";
import { BadRequestError, UnsupportedMediaTypeError } from "./errors.js";
import { checkChain } from "./job-factory.js";
import type { BodyReader } from "./deps.js";
import { batchItemSchema, type BatchItem } from "./schemas.js";
import { checkWellFormed, JSON_LINES_TYPES, mediaType, parseJson, parseWith, readText } from "./validation.js";

const ITEM_EXAMPLE = '{"code": "theorem t : 1 + 1 = 2 := rfl", "group": "p1"}';

function tooMany(count: number | string, max: number): BadRequestError {
  return new BadRequestError(
    "items",
    `holds ${count} items, more than ${max} per call; send the first ${max}, then append the rest with POST /v1/batches?batchId=<batchId>`,
    "too_many_items",
  );
}

/** Parse and validate the items of a batch body; throws a 4xx error naming the item and field on the first problem. */
export async function readBatchItems(
  c: Context,
  maxBytes: number,
  maxItems: number,
  fast?: BodyReader,
): Promise<BatchItem[]> {
  const type = mediaType(c);
  const lines = JSON_LINES_TYPES.includes(type);
  if (!lines && type !== "" && type !== "application/json" && type !== "text/plain") {
    throw new UnsupportedMediaTypeError(type, [
      "application/json (an array of items)",
      "application/x-ndjson (JSON Lines)",
    ]);
  }
  const text = await readText(c, maxBytes, fast);
  const asArray = type === "application/json" || (!lines && text.trimStart().startsWith("["));
  let raw: { value: unknown; field: string }[];
  if (asArray) {
    const json = parseJson(text, `[${ITEM_EXAMPLE}]`);
    if (!Array.isArray(json)) {
      throw new BadRequestError(
        undefined,
        `the body must be a JSON array of items such as [${ITEM_EXAMPLE}] (or JSON Lines with content-type application/x-ndjson)`,
      );
    }
    if (json.length > maxItems) throw tooMany(json.length, maxItems);
    raw = json.map((value, i) => ({ value, field: `items[${i}]` }));
  } else {
    const all = text.split(/\r?\n/);
    raw = [];
    for (let n = 0; n < all.length; n++) {
      const line = all[n]!;
      if (line.trim() === "") continue;
      if (raw.length === maxItems) throw tooMany(`more than ${maxItems}`, maxItems);
      const field = `items[${raw.length}]`;
      raw.push({ value: parseJson(line, ITEM_EXAMPLE, `${field} (line ${n + 1})`), field });
    }
  }
  if (raw.length === 0) throw new BadRequestError("items", `no items; send at least one, e.g. [${ITEM_EXAMPLE}]`);
  return raw.map(({ value, field }) => {
    checkWellFormed(value, field);
    const item = parseWith(batchItemSchema, value, field);
    checkChain(item, field);
    return item;
  });
}
