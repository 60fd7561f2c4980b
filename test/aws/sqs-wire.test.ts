// SqsWire against a scripted HTTP server: the signed JSON-protocol request, error mapping, and which failures retry.
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createHash, createHmac, type Hash, type Hmac } from "node:crypto";
import { SQSClient } from "@aws-sdk/client-sqs";
import { SignatureV4 } from "@smithy/signature-v4";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { SqsServiceError, SqsWire } from "../../services/aws/index.js";

interface Seen {
  headers: IncomingMessage["headers"];
  body: string;
}
type Answer = { status: number; body: string; headers?: Record<string, string> } | "hang-up";

const bytes = (d: string | ArrayBuffer | ArrayBufferView): string | Buffer =>
  typeof d === "string"
    ? d
    : ArrayBuffer.isView(d)
      ? Buffer.from(d.buffer, d.byteOffset, d.byteLength)
      : Buffer.from(new Uint8Array(d));

/** SHA-256 / HMAC-SHA-256 in the shape the SDK's signer takes. */
class NodeSha256 {
  readonly #h: Hash | Hmac;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.#h = secret === undefined ? createHash("sha256") : createHmac("sha256", bytes(secret));
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.#h.update(bytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.#h.digest());
  }
}

let server: Server;
let endpoint: string;
let seen: Seen[] = [];
let script: Answer[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      seen.push({ headers: req.headers, body: Buffer.concat(chunks).toString() });
      const answer = script.shift() ?? { status: 200, body: "{}" };
      if (answer === "hang-up") return void req.socket.destroy();
      res.writeHead(answer.status, { "content-type": "application/x-amz-json-1.0", ...answer.headers });
      res.end(answer.body);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});
beforeEach(() => {
  seen = [];
  script = [];
});

const sleeps: number[] = [];
function wire(sessionToken?: string): SqsWire {
  return new SqsWire({
    endpoint,
    region: "eu-west-1",
    credentials: async () => ({
      accessKeyId: "AKIDEXAMPLE",
      secretAccessKey: "secret",
      ...(sessionToken ? { sessionToken } : {}),
    }),
    sleep: async (ms) => void sleeps.push(ms),
  });
}

describe("SqsWire", () => {
  it("GIVEN a call THEN it POSTs the JSON input with the operation's target, signed for sqs in the region, and returns the JSON answer", async () => {
    script.push({ status: 200, body: JSON.stringify({ MessageId: "m-1" }) });
    const w = wire("token-1");
    const out = await w.call("SendMessage", { QueueUrl: "https://sqs.eu-west-1.amazonaws.com/1/q", MessageBody: "hi" });
    expect(out).toEqual({ MessageId: "m-1" });
    const [req] = seen;
    expect(JSON.parse(req!.body)).toEqual({ QueueUrl: "https://sqs.eu-west-1.amazonaws.com/1/q", MessageBody: "hi" });
    expect(req!.headers["x-amz-target"]).toBe("AmazonSQS.SendMessage");
    expect(req!.headers["content-type"]).toBe("application/x-amz-json-1.0");
    expect(req!.headers["x-amz-security-token"]).toBe("token-1");
    expect(req!.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/sqs\/aws4_request, SignedHeaders=[^,]*x-amz-target[^,]*, Signature=[0-9a-f]{64}$/,
    );
    await w.close();
    await w.close(); // idempotent
  });

  it("GIVEN a signed call THEN its signature is the one the AWS SDK's own SigV4 signer computes for the same request", async () => {
    // fauxqs does not check signatures, so the wire's signing is checked against the SDK's signer instead.
    script.push({ status: 200, body: "{}" });
    const w = wire("token-2");
    await w.call("SendMessageBatch", {
      QueueUrl: "https://sqs.eu-west-1.amazonaws.com/1/q",
      Entries: [{ Id: "0", MessageBody: 'ünï "code"\n' }],
    });
    const [req] = seen;
    const amzDate = String(req!.headers["x-amz-date"]);
    const signingDate = new Date(
      amzDate.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, "$1-$2-$3T$4:$5:$6Z"),
    );
    const url = new URL(endpoint);
    const signer = new SignatureV4({
      service: "sqs",
      region: "eu-west-1",
      credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret", sessionToken: "token-2" },
      sha256: NodeSha256,
      uriEscapePath: true,
      applyChecksum: false,
    });
    const signed = await signer.sign(
      {
        method: "POST",
        protocol: url.protocol,
        hostname: url.hostname,
        port: Number(url.port),
        path: "/",
        query: {},
        headers: {
          host: url.host,
          "content-type": String(req!.headers["content-type"]),
          "content-length": String(req!.headers["content-length"]),
          "x-amz-target": String(req!.headers["x-amz-target"]),
        },
        body: req!.body,
      },
      { signingDate },
    );
    const signature = (h: string) => /Signature=([0-9a-f]{64})/.exec(h)?.[1];
    expect(signature(String(req!.headers.authorization))).toBe(signature(String(signed.headers.authorization)));
    expect(signature(String(req!.headers.authorization))).toBeDefined();
    await w.close();
  });

  it("GIVEN a client error THEN it throws once, named by the error shape, with the query-compatible code, and does not retry", async () => {
    script.push({
      status: 400,
      body: JSON.stringify({
        __type: "com.amazonaws.sqs#ReceiptHandleIsInvalid",
        message: "The receipt handle is not valid",
      }),
      headers: { "x-amzn-query-error": "ReceiptHandleIsInvalid;Sender" },
    });
    const w = wire();
    const err = await w
      .call("ChangeMessageVisibility", { ReceiptHandle: "r", VisibilityTimeout: 0 })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SqsServiceError);
    expect(err).toMatchObject({
      name: "ReceiptHandleIsInvalid",
      queryCode: "ReceiptHandleIsInvalid",
      statusCode: 400,
      retryable: false,
    });
    expect((err as Error).message).toContain("The receipt handle is not valid");
    expect(seen).toHaveLength(1);
    await w.close();
  });

  it("GIVEN throttling, a 5xx and a dropped connection THEN it retries with growing jittered backoff, up to 3 attempts", async () => {
    sleeps.length = 0;
    script.push(
      { status: 400, body: JSON.stringify({ __type: "com.amazonaws.sqs#RequestThrottled", message: "slow down" }) },
      { status: 503, body: "" },
    );
    const w = wire();
    script.push({ status: 200, body: JSON.stringify({ Successful: [], Failed: [] }) });
    expect(await w.call("SendMessageBatch", { Entries: [] })).toEqual({ Successful: [], Failed: [] });
    expect(seen).toHaveLength(3);
    expect(sleeps).toHaveLength(2);
    expect(sleeps[0]!).toBeLessThanOrEqual(100);
    expect(sleeps[1]!).toBeLessThanOrEqual(200);

    seen = [];
    script.push("hang-up", "hang-up", "hang-up");
    await expect(w.call("DeleteMessage", { ReceiptHandle: "r" })).rejects.toThrow();
    expect(seen).toHaveLength(3); // the bound holds for network failures too
    await w.close();
  });

  it("GIVEN an SDK client THEN the wire uses its custom endpoint (else the queue URL's origin), region and credential provider", async () => {
    script.push({ status: 200, body: "{}" });
    const client = new SQSClient({
      region: "ap-south-1",
      endpoint,
      credentials: { accessKeyId: "AKIDCLIENT", secretAccessKey: "s" },
    });
    const w = await SqsWire.forClient(client, "http://sqs.ap-south-1.localhost.invalid:1/000000000000/q");
    await w.call("GetQueueAttributes", { QueueUrl: "q", AttributeNames: [] });
    expect(seen[0]!.headers.authorization).toContain("Credential=AKIDCLIENT/");
    expect(seen[0]!.headers.authorization).toContain("/ap-south-1/sqs/aws4_request");
    await w.close();
    client.destroy();

    // Without a custom endpoint the queue URL's origin is the endpoint, as the SDK itself does by default.
    script.push({ status: 200, body: "{}" });
    const plain = new SQSClient({
      region: "us-east-2",
      credentials: { accessKeyId: "AKIDPLAIN", secretAccessKey: "s" },
    });
    const w2 = await SqsWire.forClient(plain, `${endpoint}/000000000000/q`);
    await w2.call("GetQueueAttributes", { QueueUrl: "q", AttributeNames: [] });
    expect(seen[1]!.headers.authorization).toContain("Credential=AKIDPLAIN/");
    expect(seen[1]!.headers.authorization).toContain("/us-east-2/sqs/aws4_request");
    await w2.close();
    plain.destroy();
  });
});
