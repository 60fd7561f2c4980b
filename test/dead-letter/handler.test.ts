// The dead-letter Lambda: SQS records from each fleet's dead-letter queue become terminal results in the bucket
// (fauxqs S3), and a record it cannot settle is returned as a batch item failure for SQS to deliver again.
import type { SQSEvent, SQSRecord } from "aws-lambda";
import { startFauxqs, type FauxqsServer } from "fauxqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { handler, resetForTests } from "../../functions/dead-letter/handler.js";
import { FORMAT_VERSION, resultKey } from "../../services/jobs/index.js";
import { createAwsClients, S3ObjectStore } from "../../services/aws/index.js";

let server: FauxqsServer;
beforeAll(async () => {
  server = await startFauxqs({ port: 0, host: "127.0.0.1", logger: false });
  server.createBucket("dl-bucket");
});
afterAll(async () => server.stop());

const record = (messageId: string, body: string, arn: string): SQSRecord =>
  ({ messageId, body, eventSourceARN: arn, attributes: { ApproximateReceiveCount: "5" } }) as unknown as SQSRecord;

describe("dead-letter Lambda handler", () => {
  it("settles each record under its fleet and reports the ones it could not settle", async () => {
    resetForTests();
    const env = {
      LEANFLEET_BUCKET: "dl-bucket",
      LEANFLEET_AWS_ENDPOINT: `http://127.0.0.1:${server.port}`,
      AWS_REGION: "us-east-1",
      AWS_ACCESS_KEY_ID: "test",
      AWS_SECRET_ACCESS_KEY: "test",
      LEANFLEET_DLQ_FLEETS: JSON.stringify([["arn:aws:sqs:us-east-1:1:mathlib-dlq", "mathlib"]]),
    };
    const body = JSON.stringify({
      v: FORMAT_VERSION,
      id: "j_dead",
      fleet: "mathlib",
      submittedAt: new Date().toISOString(),
    });
    const event: SQSEvent = {
      Records: [
        record("m1", body, "arn:aws:sqs:us-east-1:1:mathlib-dlq"),
        record("m2", body, "arn:aws:sqs:us-east-1:1:unknown-dlq"),
      ],
    };
    const answer = await handler(event, env);
    expect(answer.batchItemFailures).toEqual([{ itemIdentifier: "m2" }]);
    const aws = createAwsClients({ endpoint: env.LEANFLEET_AWS_ENDPOINT, region: "us-east-1" });
    const store = new S3ObjectStore({ client: aws.s3, bucket: "dl-bucket", conditionalWrites: "head-then-put" });
    expect(JSON.parse((await store.get(resultKey("j_dead")))!)).toMatchObject({
      status: "crashed",
      fleet: "mathlib",
      error: { code: "dead_lettered" },
    });
    expect((await store.list("dead-letter/mathlib/")).keys).toHaveLength(1);
    aws.destroy();
    resetForTests();
  });
});
