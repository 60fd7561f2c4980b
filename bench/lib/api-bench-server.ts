// Child process of bench/api.ts: the API (createApp over the SQS/S3 adapters on a fauxqs endpoint) on 127.0.0.1,
// plus a bare Hono route on the same server as the reference, and the API over a queue that drops messages on a
// second server. Prints one JSON line {url, stubUrl} when listening.
import { createAwsClients, S3ObjectStore, SqsJobQueue } from "../../services/aws/index.js";
import { createApp, nodeBodyReader, readText, SendCoalescer, serveApi } from "../../functions/api/index.js";
import type { JobQueue } from "../../services/core/index.js";

const endpoint = process.env.BENCH_AWS_ENDPOINT!;
const queueUrl = process.env.BENCH_QUEUE_URL!;
const bucket = process.env.BENCH_BUCKET!;
const aws = createAwsClients({ endpoint, region: "us-east-1" });
// Counts the SQS calls and bodies the API makes, to report how full its coalesced batches are.
const sqsCalls = { calls: 0, bodies: 0 };
const sqsQueue = new SqsJobQueue({ client: aws.sqs, queueUrl });
const counted: JobQueue = {
  send: (body) => (sqsCalls.calls++, sqsCalls.bodies++, sqsQueue.send(body)),
  sendMany: (bodies) => (sqsCalls.calls++, (sqsCalls.bodies += bodies.length), sqsQueue.sendMany(bodies)),
  receive: (max, waitSeconds) => sqsQueue.receive(max, waitSeconds),
  extendLease: (receipt, seconds) => sqsQueue.extendLease(receipt, seconds),
  ack: (receipt) => sqsQueue.ack(receipt),
  release: (receipt) => sqsQueue.release(receipt),
  depth: () => sqsQueue.depth(),
};
const api = createApp({
  bodyReader: nodeBodyReader,
  queues: { default: counted },
  store: new S3ObjectStore({ client: aws.s3, bucket, conditionalWrites: "head-then-put" }),
  auth: { required: false, keys: [] },
  // The bench measures throughput, so the per-key request limit is lifted (its cost, a token bucket, stays in).
  limits: { keyLimits: { requestsPerSecond: 1e9, burst: 1e9 } },
});
// The same app over a queue that drops messages and an in-memory store: what the API costs without the AWS SDK.
const dropped: JobQueue = {
  send: async () => "m",
  sendMany: async (b) => b.map(() => "m"),
  receive: async () => [],
  extendLease: async () => undefined,
  ack: async () => undefined,
  release: async () => undefined,
  depth: async () => ({ visible: 0, inFlight: 0, delayed: 0 }),
};
const memory = new Map<string, string>();
const stubbed = createApp({
  bodyReader: nodeBodyReader,
  queues: { default: dropped },
  store: {
    put: async (k, b, o) => (o?.ifAbsent && memory.has(k) ? false : (memory.set(k, b), true)),
    get: async (k) => memory.get(k),
    exists: async (k) => memory.has(k),
    list: async () => ({ keys: [] }),
    delete: async (k) => void memory.delete(k),
  },
  auth: { required: false, keys: [] },
  limits: { keyLimits: { requestsPerSecond: 1e9, burst: 1e9 } },
});
// The bench routes are added to the API app itself, which is served at the top level as `leanfleet up` serves it:
// mounting it under another Hono app would wrap each of its handlers in an extra error-handling layer (Hono does
// that for sub-apps with their own onError), a cost the real server does not have. /bare is outside /v1/*, so no
// middleware runs for it.
api.post("/bare", (c) => c.json({ jobId: "j_bare" }, 202));
api.get("/bench-sqs-calls", (c) => c.json(sqsCalls));
api.post("/bare-read", async (c) => {
  await c.req.arrayBuffer();
  return c.json({ jobId: "j_bare" }, 202);
});
// The floor of any enqueue path on this stack: read the body, send it through the same coalescer and SQS wire (to the
// same queue, uncounted), answer 202. No validation, id, limits or encoding: what is left can only get more expensive.
const floorSender = new SendCoalescer(sqsQueue);
api.post("/floor", async (c) => {
  await floorSender.send(await readText(c, 1 << 20, nodeBodyReader)); // the API's own body reader
  return c.json({ jobId: "j_floor" }, 202);
});
const server = await serveApi(api, { port: 0 });
const stubServer = await serveApi(stubbed, { port: 0 });
process.stdout.write(JSON.stringify({ url: server.url, stubUrl: stubServer.url }) + "\n");
process.on("SIGTERM", () => void Promise.all([server.close(), stubServer.close()]).then(() => process.exit(0)));
