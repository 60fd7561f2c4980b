// JobQueue on Amazon SQS (and on fauxqs locally): long polling, leases through ChangeMessageVisibility, batched sends.
import type {
  DeleteMessageBatchResult,
  GetQueueAttributesResult,
  ReceiveMessageResult,
  SendMessageBatchResult,
  SendMessageResult,
  SQSClient,
} from "@aws-sdk/client-sqs";
import { LeaseLostError, LeanFleetError, type JobQueue, type QueueDepth, type ReceivedMessage } from "../core/index.js";
import type { SqsCaller } from "./sqs-wire.js";
import { sqsTransport } from "./sqs-transport.js";

/** Limits of the SQS API that the adapter works within. */
export const SQS_LIMITS = {
  /** Entries per SendMessageBatch / DeleteMessageBatch and messages per ReceiveMessage. @default 10 */
  batchEntries: 10,
  /** Bytes of all bodies in one SendMessageBatch (the classic 256 KiB limit, which every SQS-compatible server accepts). @default 262144 */
  batchBytes: 256 * 1024,
  /** Longest long-poll wait. @default 20 */
  maxWaitSeconds: 20,
  /** Longest visibility timeout (12 h). @default 43200 */
  maxVisibilitySeconds: 43_200,
} as const;

/** Error names SQS (and fauxqs) return when a receipt handle no longer holds a lease. */
const LEASE_GONE = new Set([
  "ReceiptHandleIsInvalid",
  "MessageNotInflight",
  "InvalidParameterValue",
  "AWS.SimpleQueueService.MessageNotInflight",
]);

/** Options of {@link SqsJobQueue}. */
export interface SqsJobQueueOptions {
  /**
   * An SQS client built with an explicit `endpoint` when one is used (with the endpoint only in the environment, the
   * SDK sends each call to its QueueUrl's host); {@link createAwsClients} does that.
   */
  client: SQSClient;
  /** The queue URL exactly as CreateQueue / GetQueueUrl returned it. */
  queueUrl: string;
  /**
   * Coalesce acks issued in the same event-loop turn into DeleteMessageBatch calls (up to 10 each). Adds no wait:
   * a lone ack is sent on the next turn. @default true
   */
  batchAcks?: boolean;
  /**
   * With batchAcks, also gather acks issued within this many milliseconds of the first pending one. A job's result
   * is already stored when it is acked, so the wait only keeps the message in flight a little longer, and it turns
   * the lone DeleteMessage per job of a busy worker into shared DeleteMessageBatch calls. @default 0 (next turn only)
   */
  ackBatchWindowMs?: number;
  /**
   * How calls reach SQS: `wire` signs and sends the JSON protocol itself on a shared keep-alive pool ({@link SqsWire},
   * about 40 % of the SDK's CPU per call, with the client's region, credentials and endpoint); `sdk` sends every call
   * through the client's command pipeline (use it to observe calls with SDK middleware or aws-sdk-client-mock, or
   * when endpoints must come from the SDK's resolution, e.g. FIPS or dual-stack, since the wire talks to the client's
   * custom endpoint or else the queue URL's host); an {@link SqsCaller} is used as given (tests wrap a wire to count
   * or fail calls).
   * @default "wire"
   */
  transport?: "wire" | "sdk" | SqsCaller;
}

/** A fleet's job queue on SQS. Lease errors surface as {@link LeaseLostError}; every other failure is thrown as is. */
export class SqsJobQueue implements JobQueue {
  readonly #caller: SqsCaller;
  readonly #queueUrl: string;
  readonly #batchAcks: boolean;
  readonly #ackWindowMs: number;
  #pendingAcks: Array<{ receipt: string; resolve: () => void; reject: (err: unknown) => void }> = [];
  #flushScheduled = false;

  constructor(options: SqsJobQueueOptions) {
    this.#queueUrl = options.queueUrl;
    this.#caller = sqsTransport(options.client, options.queueUrl, options.transport ?? "wire");
    this.#batchAcks = options.batchAcks ?? true;
    this.#ackWindowMs = options.ackBatchWindowMs ?? 0;
  }

  /** The queue URL this adapter talks to. */
  get queueUrl(): string {
    return this.#queueUrl;
  }

  async send(body: string): Promise<string> {
    const out = (await this.#caller.call("SendMessage", {
      QueueUrl: this.#queueUrl,
      MessageBody: body,
    })) as SendMessageResult;
    return out.MessageId ?? "";
  }

  async sendMany(bodies: string[]): Promise<string[]> {
    const ids: string[] = new Array<string>(bodies.length);
    // Chunks respect both the entry count and the total payload size of one batch call.
    const chunks: number[][] = [];
    let current: number[] = [];
    let bytes = 0;
    bodies.forEach((body, i) => {
      const size = Buffer.byteLength(body);
      if (current.length > 0 && (current.length === SQS_LIMITS.batchEntries || bytes + size > SQS_LIMITS.batchBytes)) {
        chunks.push(current);
        current = [];
        bytes = 0;
      }
      current.push(i);
      bytes += size;
    });
    if (current.length > 0) chunks.push(current);
    await Promise.all(
      chunks.map(async (chunk) => {
        const out = (await this.#caller.call("SendMessageBatch", {
          QueueUrl: this.#queueUrl,
          Entries: chunk.map((i) => ({ Id: String(i), MessageBody: bodies[i]! })),
        })) as SendMessageBatchResult;
        const failed = out.Failed ?? [];
        if (failed.length > 0) {
          const f = failed[0]!;
          throw new LeanFleetError(
            "aws_service",
            `SendMessageBatch failed for ${failed.length} of ${chunk.length} messages: ${f.Code ?? "?"} ${f.Message ?? ""}`,
            { operation: "SendMessageBatch", failed: failed.length, ...(f.Code ? { awsCode: f.Code } : {}) },
          );
        }
        for (const ok of out.Successful ?? []) ids[Number(ok.Id)] = ok.MessageId ?? "";
      }),
    );
    return ids;
  }

  async receive(max: number, waitSeconds: number): Promise<ReceivedMessage[]> {
    const out = (await this.#caller.call("ReceiveMessage", {
      QueueUrl: this.#queueUrl,
      MaxNumberOfMessages: Math.max(1, Math.min(SQS_LIMITS.batchEntries, Math.floor(max))),
      WaitTimeSeconds: Math.max(0, Math.min(SQS_LIMITS.maxWaitSeconds, Math.round(waitSeconds))),
      MessageSystemAttributeNames: ["ApproximateReceiveCount", "SentTimestamp"],
    })) as ReceiveMessageResult;
    return (out.Messages ?? []).map((m) => {
      const sent = Number(m.Attributes?.SentTimestamp);
      const received: ReceivedMessage = {
        messageId: m.MessageId ?? "",
        receipt: m.ReceiptHandle ?? "",
        body: m.Body ?? "",
        receiveCount: Number(m.Attributes?.ApproximateReceiveCount ?? "1") || 1,
      };
      if (Number.isFinite(sent) && sent > 0) received.sentAtMs = sent;
      return received;
    });
  }

  async extendLease(receipt: string, visibilitySeconds: number): Promise<void> {
    await this.#changeVisibility(
      receipt,
      Math.min(SQS_LIMITS.maxVisibilitySeconds, Math.max(1, Math.ceil(visibilitySeconds))),
    );
  }

  async ack(receipt: string): Promise<void> {
    if (!this.#batchAcks) {
      await this.#caller.call("DeleteMessage", { QueueUrl: this.#queueUrl, ReceiptHandle: receipt });
      return;
    }
    return new Promise<void>((resolve, reject) => {
      this.#pendingAcks.push({ receipt, resolve, reject });
      if (this.#pendingAcks.length >= SQS_LIMITS.batchEntries) this.#flushAcks();
      else if (!this.#flushScheduled) {
        this.#flushScheduled = true;
        if (this.#ackWindowMs > 0) setTimeout(() => this.#flushAcks(), this.#ackWindowMs);
        else setImmediate(() => this.#flushAcks());
      }
    });
  }

  #flushAcks(): void {
    this.#flushScheduled = false;
    while (this.#pendingAcks.length > 0) {
      const batch = this.#pendingAcks.splice(0, SQS_LIMITS.batchEntries);
      if (batch.length === 1) {
        const [one] = batch;
        this.#caller
          .call("DeleteMessage", { QueueUrl: this.#queueUrl, ReceiptHandle: one!.receipt })
          .then(() => one!.resolve(), one!.reject);
        continue;
      }
      this.#caller
        .call("DeleteMessageBatch", {
          QueueUrl: this.#queueUrl,
          Entries: batch.map((a, i) => ({ Id: String(i), ReceiptHandle: a.receipt })),
        })
        .then(
          (result) => {
            const out = result as DeleteMessageBatchResult;
            const failed = new Map((out.Failed ?? []).map((f) => [Number(f.Id), f]));
            batch.forEach((a, i) => {
              const f = failed.get(i);
              if (f)
                a.reject(
                  new LeanFleetError("aws_service", `DeleteMessage failed: ${f.Code ?? "?"} ${f.Message ?? ""}`, {
                    operation: "DeleteMessageBatch",
                    ...(f.Code ? { awsCode: f.Code } : {}),
                  }),
                );
              else a.resolve();
            });
          },
          (err: unknown) => batch.forEach((a) => a.reject(err)),
        );
    }
  }

  async release(receipt: string): Promise<void> {
    await this.#changeVisibility(receipt, 0);
  }

  async depth(): Promise<QueueDepth> {
    const out = (await this.#caller.call("GetQueueAttributes", {
      QueueUrl: this.#queueUrl,
      AttributeNames: [
        "ApproximateNumberOfMessages",
        "ApproximateNumberOfMessagesNotVisible",
        "ApproximateNumberOfMessagesDelayed",
      ],
    })) as GetQueueAttributesResult;
    const a = out.Attributes ?? {};
    // The age of the oldest message is a CloudWatch metric, not a queue attribute, so it stays unknown here.
    return {
      visible: Number(a.ApproximateNumberOfMessages ?? 0),
      inFlight: Number(a.ApproximateNumberOfMessagesNotVisible ?? 0),
      delayed: Number(a.ApproximateNumberOfMessagesDelayed ?? 0),
    };
  }

  async #changeVisibility(receipt: string, seconds: number): Promise<void> {
    try {
      await this.#caller.call("ChangeMessageVisibility", {
        QueueUrl: this.#queueUrl,
        ReceiptHandle: receipt,
        VisibilityTimeout: seconds,
      });
    } catch (err) {
      // The error shape (the SDK's and SqsServiceError's name), or SqsServiceError's query-compatible code.
      const { name = "", queryCode = "" } = err as { name?: string; queryCode?: string };
      if (LEASE_GONE.has(name) || LEASE_GONE.has(queryCode))
        throw new LeaseLostError(receipt, `${name}: ${(err as Error).message}`);
      throw err;
    }
  }
}
