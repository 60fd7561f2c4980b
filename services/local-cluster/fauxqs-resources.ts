// The local cluster's SQS resources on fauxqs: each fleet's queue with its dead-letter queue, created once and
// reused across restarts when fauxqs persists its state.
import type { FauxqsServer } from "fauxqs";

/** Create (or, with persistence, reuse: re-creating would empty it) a fleet's queue and its dead-letter queue. */
export function ensureQueue(
  server: FauxqsServer,
  fleet: string,
  visibilitySeconds: number,
  maxReceiveCount: number,
): { queueUrl: string; dlqUrl: string } {
  const name = `leanfleet-${fleet}`;
  // Restored URLs carry the port of the previous run (fauxqs 2.x matches queues by name, so only tidiness is at
  // stake). Not `new URL()`: a host such as `sqs.us-east-1.127.0.0.1` ends in a number, which WHATWG URL rejects.
  const withPort = (url: string) => url.replace(/^(https?:\/\/[^/]+):\d+\//, `$1:${server.port}/`);
  const dlqExisting = server.inspectQueue(`${name}-dlq`);
  const dlq = dlqExisting
    ? { queueUrl: withPort(dlqExisting.url), queueArn: dlqExisting.arn }
    : server.createQueue(`${name}-dlq`);
  const existing = server.inspectQueue(name);
  const queueUrl = existing
    ? withPort(existing.url)
    : server.createQueue(name, {
        attributes: {
          VisibilityTimeout: String(visibilitySeconds),
          RedrivePolicy: JSON.stringify({
            deadLetterTargetArn: dlq.queueArn,
            maxReceiveCount: String(maxReceiveCount),
          }),
        },
      }).queueUrl;
  return { queueUrl, dlqUrl: dlq.queueUrl };
}
