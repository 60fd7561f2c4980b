// Body size limit per route: a declared Content-Length over the limit is refused at once; bodies without one
// (chunked) go through hono/body-limit, which counts while streaming. Every refusal is the API's payload_too_large.
import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { PayloadTooLargeError } from "../errors.js";

/**
 * Reject bodies larger than `maxBytes` with 413 before reading them. The Content-Length fast path matters on Node:
 * hono/body-limit touches `c.req.raw.body`, which makes @hono/node-server build a web ReadableStream for every request
 * instead of reading the socket directly (several times the cost of the rest of POST /v1/jobs). The route's reader
 * checks the size again after reading.
 */
export function bodySize(maxBytes: number): MiddlewareHandler {
  const streaming = bodyLimit({
    maxSize: maxBytes,
    onError: () => {
      throw new PayloadTooLargeError(maxBytes);
    },
  });
  return (c, next) => {
    const declared = c.req.header("content-length");
    if (declared !== undefined && c.req.header("transfer-encoding") === undefined && /^[0-9]{1,15}$/.test(declared)) {
      if (Number(declared) > maxBytes) throw new PayloadTooLargeError(maxBytes);
      return next();
    }
    return streaming(c, next);
  };
}
