// SqsJobQueue ack coalescing on fauxqs: acks within the window share DeleteMessageBatch calls and all take effect.
import { DeleteMessageBatchCommand, DeleteMessageCommand } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SqsJobQueue, SqsWire, type SqsCaller } from "../../services/aws/index.js";
import { startFauxqsEnv, type FauxqsEnv } from "../worker/helpers/fauxqs-env.js";

let env: FauxqsEnv;
beforeAll(async () => {
  env = await startFauxqsEnv();
});
afterAll(async () => {
  await env?.close();
});

/** Count the delete calls a client sends (a middleware that only observes). */
function countDeletes(queue: FauxqsEnv["clients"]["sqs"]): { single: number; batch: number } {
  const counts = { single: 0, batch: 0 };
  queue.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === DeleteMessageCommand.name) counts.single++;
      if (context.commandName === DeleteMessageBatchCommand.name) counts.batch++;
      return next(args);
    },
    { step: "initialize", name: `count-deletes-${Math.random()}` },
  );
  return counts;
}

describe("SqsJobQueue ack batching window", () => {
  /** The same queue twice: over the SDK (deletes counted by a middleware) and over the wire (counted by a wrapper). */
  const transports = {
    sdk: (client: FauxqsEnv["clients"]["sqs"]) => ({ counts: countDeletes(client), transport: "sdk" as const }),
    wire: (client: FauxqsEnv["clients"]["sqs"], queueUrl: string) => {
      const counts = { single: 0, batch: 0 };
      const wire = SqsWire.forClient(client, queueUrl);
      const transport: SqsCaller = {
        call: async (operation, input) => {
          if (operation === "DeleteMessage") counts.single++;
          if (operation === "DeleteMessageBatch") counts.batch++;
          return (await wire).call(operation, input);
        },
      };
      return { counts, transport, close: async () => (await wire).close() };
    },
  };

  it.each(Object.keys(transports) as Array<keyof typeof transports>)(
    "GIVEN acks a few ms apart within the window THEN one DeleteMessageBatch deletes them all (%s transport)",
    async (name) => {
      const { queueUrl } = env.queue({ visibilitySeconds: 30, maxReceiveCount: 5 });
      const { SQSClient } = await import("@aws-sdk/client-sqs");
      const client = new SQSClient({
        region: "us-east-1",
        endpoint: env.endpoint,
        credentials: { accessKeyId: "t", secretAccessKey: "t" },
        useQueueUrlAsEndpoint: false,
      });
      const t = transports[name](client, queueUrl);
      const queue = new SqsJobQueue({ client, queueUrl, ackBatchWindowMs: 100, transport: t.transport });
      await queue.sendMany(["a", "b", "c"]);
      const got = [];
      while (got.length < 3) got.push(...(await queue.receive(3, 1)));
      const acks: Promise<void>[] = [];
      for (const m of got) {
        acks.push(queue.ack(m.receipt));
        await new Promise((r) => setTimeout(r, 5));
      }
      await Promise.all(acks);
      expect(t.counts).toEqual({ single: 0, batch: 1 });
      expect(await queue.depth()).toMatchObject({ visible: 0, inFlight: 0 });
      if ("close" in t) await t.close();
      client.destroy();
    },
  );
});
