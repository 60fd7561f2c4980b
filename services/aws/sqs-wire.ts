// SQS calls over the service's JSON protocol (AWS JSON 1.0), signed with aws4 and sent on a keep-alive node:http(s)
// agent: the default transport of SqsJobQueue. Measured here (10-message SendMessageBatch calls against fauxqs), the
// AWS SDK's command pipeline (schema serde, endpoint rules, retry and user-agent middleware, its HTTP handler) costs
// 1.3-1.7 ms of client CPU per call, this path 0.5-0.65 ms; the difference was most of the API's CPU per enqueued job.
// Region, credentials (the SDK's own provider chain: environment, ECS task role, IMDS, SSO, with refresh) and a custom
// endpoint still come from the SQSClient's resolved config, so both transports talk to the same place as one identity.
import http from "node:http";
import https from "node:https";
import aws4 from "aws4";
import type { SQSClient } from "@aws-sdk/client-sqs";
import { InternalError, LeanFleetError } from "../core/index.js";

/** The SQS operations the job queue uses (their input and output shapes are the SDK's, member for member). */
export type SqsOperation =
  | "SendMessage"
  | "SendMessageBatch"
  | "ReceiveMessage"
  | "DeleteMessage"
  | "DeleteMessageBatch"
  | "ChangeMessageVisibility"
  | "GetQueueAttributes";

/** Sends one SQS operation and returns its output; implemented by {@link SqsWire} and by the SDK client. */
export interface SqsCaller {
  call(operation: SqsOperation, input: object): Promise<unknown>;
}

/** Defaults of {@link SqsWire}. */
export const SQS_WIRE_DEFAULTS = {
  /** Attempts per call when SQS throttles, answers 5xx, or the connection fails (the SDK's standard retry mode). @default 3 */
  maxAttempts: 3,
  /** Base of the exponential backoff with full jitter between attempts. @default 100 */
  retryBaseMs: 100,
  /** Longest wait between attempts. @default 20000 */
  retryMaxMs: 20_000,
  /** Keep-alive connections per SQS endpoint. @default 32 */
  connections: 32,
  /** Longest socket inactivity during a call; above the 20 s long poll of ReceiveMessage. @default 60000 */
  responseTimeoutMs: 60_000,
} as const;

/**
 * An error answer of SQS (code `aws_service`): `name` is the error shape (`ReceiptHandleIsInvalid`), `queryCode` the
 * query-compatible code.
 */
export class SqsServiceError extends LeanFleetError {
  constructor(
    name: string,
    message: string,
    /** The `x-amzn-query-error` code (`AWS.SimpleQueueService.NonExistentQueue`), when SQS sent one. */
    readonly queryCode: string | undefined,
    readonly statusCode: number,
  ) {
    super("aws_service", message, { shape: name, statusCode, ...(queryCode ? { queryCode } : {}) });
    this.name = name;
  }

  /** Throttling and server faults are worth another attempt; client errors are not. */
  get retryable(): boolean {
    return this.statusCode >= 500 || this.statusCode === 429 || /throttl/i.test(`${this.name} ${this.queryCode ?? ""}`);
  }
}

/** Options of {@link SqsWire}. */
export interface SqsWireOptions {
  /** Where to send calls (`http://127.0.0.1:4566`, `https://sqs.eu-west-1.amazonaws.com`). */
  endpoint: string;
  region: string;
  /** The SDK client's credential provider (memoized and refreshed by the SDK). */
  credentials: () => Promise<{ accessKeyId: string; secretAccessKey: string; sessionToken?: string }>;
  maxAttempts?: number;
  /** Sleep between attempts (injectable for tests). */
  sleep?: (ms: number) => Promise<void>;
}

/** The answer of one HTTP exchange. */
interface HttpAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

/**
 * One SQS endpoint: signs and sends JSON-protocol calls over keep-alive connections, retrying transient failures.
 * node:http rather than undici: undici was about 20 % cheaper per call here, but would add 0.8 MB to each Lambda bundle.
 */
export class SqsWire implements SqsCaller {
  readonly #url: URL;
  readonly #agent: http.Agent;
  readonly #options: SqsWireOptions;
  #closed = false;

  constructor(options: SqsWireOptions) {
    this.#url = new URL(options.endpoint);
    this.#options = options;
    const agentOptions = {
      keepAlive: true,
      maxSockets: SQS_WIRE_DEFAULTS.connections,
      maxFreeSockets: SQS_WIRE_DEFAULTS.connections,
    };
    this.#agent = this.#url.protocol === "https:" ? new https.Agent(agentOptions) : new http.Agent(agentOptions);
  }

  /**
   * The wire for an SDK client and queue: the client's custom endpoint when it has one, else the queue URL's origin
   * (what the SDK itself does by default, and what VPC endpoints with private DNS answer on).
   */
  static async forClient(client: SQSClient, queueUrl: string): Promise<SqsWire> {
    const config = client.config as unknown as {
      isCustomEndpoint?: boolean;
      endpoint?: () => Promise<{ protocol: string; hostname: string; port?: number; path?: string }>;
      region: () => Promise<string>;
      credentials: SqsWireOptions["credentials"];
    };
    let endpoint: string;
    if (config.isCustomEndpoint && config.endpoint) {
      const e = await config.endpoint();
      endpoint = `${e.protocol}//${e.hostname}${e.port !== undefined ? `:${e.port}` : ""}`;
    } else {
      endpoint = new URL(queueUrl).origin;
    }
    return new SqsWire({ endpoint, region: await config.region(), credentials: () => config.credentials() });
  }

  async call(operation: SqsOperation, input: object): Promise<Record<string, unknown>> {
    const maxAttempts = this.#options.maxAttempts ?? SQS_WIRE_DEFAULTS.maxAttempts;
    const body = JSON.stringify(input);
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#once(operation, body);
      } catch (err) {
        const transient = err instanceof SqsServiceError ? err.retryable : true; // no answer at all: network failure
        if (!transient || attempt >= maxAttempts) throw err;
        const capMs = Math.min(SQS_WIRE_DEFAULTS.retryMaxMs, SQS_WIRE_DEFAULTS.retryBaseMs * 2 ** (attempt - 1));
        await (this.#options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms))))(Math.random() * capMs);
      }
    }
  }

  async #once(operation: SqsOperation, body: string): Promise<Record<string, unknown>> {
    const creds = await this.#options.credentials();
    const signed = aws4.sign(
      {
        service: "sqs",
        region: this.#options.region,
        method: "POST",
        host: this.#url.host,
        path: "/",
        headers: { "content-type": "application/x-amz-json-1.0", "x-amz-target": `AmazonSQS.${operation}` },
        body,
      },
      {
        accessKeyId: creds.accessKeyId,
        secretAccessKey: creds.secretAccessKey,
        ...(creds.sessionToken ? { sessionToken: creds.sessionToken } : {}),
      },
    );
    const res = await this.#post(signed.headers as http.OutgoingHttpHeaders, body);
    let parsed: Record<string, unknown> = {};
    try {
      parsed = res.text === "" ? {} : (JSON.parse(res.text) as Record<string, unknown>);
    } catch {
      if (res.status === 200)
        throw new SqsServiceError(
          "SerializationError",
          `SQS ${operation} answered 200 with a body that is not JSON: ${res.text.slice(0, 200)}`,
          undefined,
          502,
        );
    }
    if (res.status === 200) return parsed;
    const type =
      typeof parsed.__type === "string" ? parsed.__type.slice(parsed.__type.lastIndexOf("#") + 1) : `Http${res.status}`;
    const message =
      typeof parsed.message === "string"
        ? parsed.message
        : typeof parsed.Message === "string"
          ? parsed.Message
          : res.text.slice(0, 200);
    const queryError = res.headers["x-amzn-query-error"];
    const code = typeof queryError === "string" ? queryError.split(";")[0] : undefined;
    throw new SqsServiceError(type, `SQS ${operation}: ${message}`, code, res.status);
  }

  #post(headers: http.OutgoingHttpHeaders, body: string): Promise<HttpAnswer> {
    if (this.#closed) return Promise.reject(new InternalError("SqsWire is closed"));
    const transport = this.#url.protocol === "https:" ? https : http;
    return new Promise<HttpAnswer>((resolve, reject) => {
      const req = transport.request(
        {
          agent: this.#agent,
          method: "POST",
          protocol: this.#url.protocol,
          hostname: this.#url.hostname,
          port: this.#url.port,
          path: "/",
          headers,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () =>
            resolve({
              status: res.statusCode ?? 0,
              headers: res.headers,
              text: Buffer.concat(chunks).toString("utf8"),
            }),
          );
          res.on("error", reject);
        },
      );
      req.setTimeout(SQS_WIRE_DEFAULTS.responseTimeoutMs, () =>
        req.destroy(
          new LeanFleetError("network", `no answer from SQS within ${SQS_WIRE_DEFAULTS.responseTimeoutMs} ms`, {
            timeoutMs: SQS_WIRE_DEFAULTS.responseTimeoutMs,
          }),
        ),
      );
      req.on("error", reject);
      req.end(body);
    });
  }

  /** Close the kept-alive connections (idempotent; calls made afterwards fail). */
  async close(): Promise<void> {
    this.#closed = true;
    this.#agent.destroy();
  }
}
