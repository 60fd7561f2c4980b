// Child process of bench/api.ts: the API (createApp over the SQS/S3 adapters on a fauxqs endpoint) on 127.0.0.1,
// plus a bare Hono route on the same server as the reference. Prints one JSON line {url} when listening.
import { Hono } from "hono";
import { createAwsClients, S3ObjectStore, SqsJobQueue } from "../../services/worker/adapters/index.js";
import { createApp, serveApi } from "../../functions/api/index.js";
import type { JobQueue } from "../../services/worker/ports.js";

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
const root = new Hono();
root.post("/bare", (c) => c.json({ jobId: "j_bare" }, 202));
root.get("/bench-sqs-calls", (c) => c.json(sqsCalls));
root.post("/bare-read", async (c) => {
  await c.req.arrayBuffer();
  return c.json({ jobId: "j_bare" }, 202);
});
root.route("/stub", stubbed);
root.route("/", api);
const server = await serveApi(root as never, { port: 0 });
process.stdout.write(JSON.stringify({ url: server.url }) + "\n");
process.on("SIGTERM", () => void server.close().then(() => process.exit(0)));
