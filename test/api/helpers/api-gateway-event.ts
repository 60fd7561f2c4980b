// API Gateway HTTP API (payload 2.0) events as Lambda receives them, for driving lambda.ts and its bundle.
import type { LambdaEvent } from "hono/aws-lambda";

/** An API Gateway HTTP API v2 event as Lambda receives it. */
export function apiEvent(
  method: string,
  pathWithQuery: string,
  options: { body?: string | Buffer; headers?: Record<string, string> } = {},
): LambdaEvent {
  const [rawPath, rawQueryString = ""] = pathWithQuery.split("?") as [string, string?];
  const binary = Buffer.isBuffer(options.body);
  const now = Date.now();
  return {
    version: "2.0",
    routeKey: "$default",
    rawPath,
    rawQueryString,
    cookies: undefined,
    headers: {
      accept: "*/*",
      host: "abc123.execute-api.eu-west-1.amazonaws.com",
      "user-agent": "vitest",
      "x-forwarded-for": "203.0.113.7",
      "x-forwarded-proto": "https",
      ...(options.body === undefined ? {} : { "content-length": String(Buffer.byteLength(options.body)) }),
      ...options.headers,
    },
    queryStringParameters: rawQueryString ? Object.fromEntries(new URLSearchParams(rawQueryString)) : undefined,
    body:
      options.body === undefined
        ? null
        : binary
          ? (options.body as Buffer).toString("base64")
          : (options.body as string),
    isBase64Encoded: binary,
    requestContext: {
      accountId: "123456789012",
      apiId: "abc123",
      authentication: null,
      authorizer: {},
      domainName: "abc123.execute-api.eu-west-1.amazonaws.com",
      domainPrefix: "abc123",
      http: { method, path: rawPath, protocol: "HTTP/1.1", sourceIp: "203.0.113.7", userAgent: "vitest" },
      requestId: `req-${now}`,
      routeKey: "$default",
      stage: "$default",
      time: new Date(now).toUTCString(),
      timeEpoch: now,
    },
  };
}
