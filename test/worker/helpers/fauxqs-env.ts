// Test helper: an in-process fauxqs with a bucket and queues (each with a dead-letter queue), and adapters on them.
import { randomUUID } from "node:crypto";
import { startFauxqs, type FauxqsServer } from "fauxqs";
import { createAwsClients, S3ObjectStore, SqsJobQueue, type AwsClients } from "../../../services/aws/index.js";

/** A queue created on fauxqs, with its dead-letter queue. */
export interface FauxqsQueue {
  name: string;
  queueUrl: string;
  dlqUrl: string;
  queue: SqsJobQueue;
  dlq: SqsJobQueue;
}

/** A running fauxqs with clients. */
export interface FauxqsEnv {
  server: FauxqsServer;
  endpoint: string;
  clients: AwsClients;
  /** Create a bucket (random name unless given) and an S3ObjectStore on it (head-then-put, as fauxqs needs). */
  bucket(name?: string): S3ObjectStore;
  /** Create a queue (random name unless given) with a DLQ and the given visibility timeout and redrive count. */
  queue(options: {
    visibilitySeconds: number;
    maxReceiveCount: number;
    name?: string;
    transport?: "wire" | "sdk";
  }): FauxqsQueue;
  close(): Promise<void>;
}

/** Start fauxqs on loopback with an ephemeral port. */
export async function startFauxqsEnv(): Promise<FauxqsEnv> {
  const server = await startFauxqs({ port: 0, host: "127.0.0.1", logger: false });
  const endpoint = `http://127.0.0.1:${server.port}`;
  const clients = createAwsClients({ endpoint, region: "us-east-1" });
  return {
    server,
    endpoint,
    clients,
    bucket(name = `b-${randomUUID().slice(0, 8)}`) {
      server.createBucket(name);
      return new S3ObjectStore({ client: clients.s3, bucket: name, conditionalWrites: "head-then-put" });
    },
    queue({ visibilitySeconds, maxReceiveCount, name = `q-${randomUUID().slice(0, 8)}`, transport = "wire" }) {
      const dlq = server.createQueue(`${name}-dlq`);
      const q = server.createQueue(name, {
        attributes: {
          VisibilityTimeout: String(visibilitySeconds),
          RedrivePolicy: JSON.stringify({
            deadLetterTargetArn: dlq.queueArn,
            maxReceiveCount: String(maxReceiveCount),
          }),
        },
      });
      return {
        name,
        queueUrl: q.queueUrl,
        dlqUrl: dlq.queueUrl,
        queue: new SqsJobQueue({ client: clients.sqs, queueUrl: q.queueUrl, transport }),
        dlq: new SqsJobQueue({ client: clients.sqs, queueUrl: dlq.queueUrl, transport }),
      };
    },
    async close() {
      clients.destroy();
      await server.stop();
    },
  };
}
