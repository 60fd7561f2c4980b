// How SqsJobQueue's calls reach SQS: the shared keep-alive wire per client and endpoint (looked up on first use),
// the SDK client's command pipeline, or a caller given as is.
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import { SqsWire, type SqsCaller, type SqsOperation } from "./sqs-wire.js";

/** The SDK command of each operation, for the `sdk` transport. */
const COMMANDS = {
  SendMessage: SendMessageCommand,
  SendMessageBatch: SendMessageBatchCommand,
  ReceiveMessage: ReceiveMessageCommand,
  DeleteMessage: DeleteMessageCommand,
  DeleteMessageBatch: DeleteMessageBatchCommand,
  ChangeMessageVisibility: ChangeMessageVisibilityCommand,
  GetQueueAttributes: GetQueueAttributesCommand,
} as const;

/** The SDK client as an {@link SqsCaller}: every call goes through the client's full command pipeline. */
function sdkCaller(client: SQSClient): SqsCaller {
  return {
    call: async (operation: SqsOperation, input: object) => {
      const Command = COMMANDS[operation] as unknown as new (input: object) => Parameters<SQSClient["send"]>[0];
      return client.send(new Command(input));
    },
  };
}

/** Wires shared by every queue on the same client and endpoint, so they share one connection pool. */
const wires = new WeakMap<SQSClient, Map<string, Promise<SqsWire>>>();

function wireFor(client: SQSClient, queueUrl: string): Promise<SqsWire> {
  let byUrl = wires.get(client);
  if (!byUrl) wires.set(client, (byUrl = new Map()));
  const key = /^[a-z]+:\/\/[^/]*/i.exec(queueUrl)?.[0] ?? queueUrl; // the origin (local queue URLs are not always valid URLs)
  let wire = byUrl.get(key);
  if (!wire) {
    wire = SqsWire.forClient(client, queueUrl);
    wire.catch(() => byUrl.delete(key)); // a failed resolution (no region, no credentials) is retried next call
    byUrl.set(key, wire);
  }
  return wire;
}

/** Close the wires opened for a client (part of closing the client). */
export async function closeSqsWires(client: SQSClient): Promise<void> {
  const byUrl = wires.get(client);
  wires.delete(client);
  await Promise.all([...(byUrl?.values() ?? [])].map(async (w) => (await w.catch(() => undefined))?.close()));
}

/** Calls over the client's shared wire, looked up on first use (and again after a failed resolution). */
function wireCaller(client: SQSClient, queueUrl: string): SqsCaller {
  let wire: Promise<SqsWire> | undefined;
  return {
    call: async (operation, input) => {
      if (!wire) {
        wire = wireFor(client, queueUrl);
        wire.catch(() => (wire = undefined));
      }
      return (await wire).call(operation, input);
    },
  };
}

/** The caller of a queue's SQS calls for a transport choice (see `SqsJobQueueOptions.transport`). */
export function sqsTransport(client: SQSClient, queueUrl: string, transport: "wire" | "sdk" | SqsCaller): SqsCaller {
  if (transport === "sdk") return sdkCaller(client);
  if (transport === "wire") return wireCaller(client, queueUrl);
  return transport;
}
