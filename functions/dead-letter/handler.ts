// Lambda entry of the dead-letter consumer: an SQS event source on every fleet's dead-letter queue delivers the
// dead-lettered messages; each is settled (terminal result + record) and reported as a batch item failure if the
// store failed, so SQS keeps it for another try. The queue ARN names the fleet.
import type { SQSBatchResponse, SQSEvent } from "aws-lambda";
import { DeadLetterSettler } from "../../services/dead-letter/index.js";
import { createAwsClients, S3ObjectStore } from "../../services/aws/index.js";
import { LeanFleetError } from "../../services/core/index.js";
import { DEAD_LETTER_ENV } from "./env.js";

/**
 * The function's deployment lacks what it needs: the bucket, or the fleet of a dead-letter queue that delivers to it
 * (both set by the CDK stack). The message names what is missing.
 */
export class DeadLetterConfigError extends LeanFleetError {
  constructor(message: string) {
    super("not_configured", message);
  }
}

let settlers: Map<string, DeadLetterSettler> | undefined;

function build(env: NodeJS.ProcessEnv): Map<string, DeadLetterSettler> {
  const bucket = env[DEAD_LETTER_ENV.bucket];
  const fleets = JSON.parse(env[DEAD_LETTER_ENV.fleets] ?? "[]") as [string, string][];
  if (!bucket)
    throw new DeadLetterConfigError(
      `${DEAD_LETTER_ENV.bucket} is not set; the CDK stack sets it to the deployment bucket`,
    );
  const endpoint = env[DEAD_LETTER_ENV.awsEndpoint];
  const aws = createAwsClients({ region: env.AWS_REGION ?? "us-east-1", ...(endpoint ? { endpoint } : {}) });
  const store = new S3ObjectStore({
    client: aws.s3,
    bucket,
    conditionalWrites: aws.local ? "head-then-put" : "native",
  });
  return new Map(fleets.map(([arn, fleet]) => [arn, new DeadLetterSettler({ fleet, store })]));
}

/** Settle each record; failed ones are returned for SQS to deliver again (ReportBatchItemFailures). */
export async function handler(event: SQSEvent, env: NodeJS.ProcessEnv = process.env): Promise<SQSBatchResponse> {
  settlers ??= build(env);
  const failures: SQSBatchResponse["batchItemFailures"] = [];
  for (const record of event.Records) {
    const settler = settlers.get(record.eventSourceARN);
    try {
      if (settler === undefined)
        throw new DeadLetterConfigError(`no fleet for dead-letter queue ${record.eventSourceARN}`);
      await settler.settle({
        messageId: record.messageId,
        body: record.body,
        receiveCount: Number(record.attributes.ApproximateReceiveCount) || 0,
      });
    } catch (err) {
      console.error(
        JSON.stringify({
          msg: "dead-letter record not settled (SQS delivers it again)",
          messageId: record.messageId,
          err: String(err),
        }),
      );
      failures.push({ itemIdentifier: record.messageId });
    }
  }
  return { batchItemFailures: failures };
}

/** Forget the cached settlers (tests that change the environment). */
export function resetForTests(): void {
  settlers = undefined;
}
