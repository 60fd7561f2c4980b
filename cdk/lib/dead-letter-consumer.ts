// The dead-letter consumer: one function fed by every fleet's dead-letter queue, which gives each dead-lettered job
// its terminal result and a record in the bucket (see services/dead-letter). The DLQ alarm still fires first.
import { Duration, Stack, Validations, type CfnElement } from "aws-cdk-lib";
import * as lambdaEvents from "aws-cdk-lib/aws-lambda-event-sources";
import type * as logs from "aws-cdk-lib/aws-logs";
import type * as s3 from "aws-cdk-lib/aws-s3";
import type * as sqs from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { DEAD_LETTER_ENV } from "../../functions/dead-letter/index.js";
import { LeanFleetFunction } from "./node-function.js";

/** Timeout of the dead-letter function (it settles at most 10 messages: two S3 writes each). @default 30 */
export const DEAD_LETTER_FUNCTION_TIMEOUT_SECONDS = 30;

/** Props of {@link DeadLetterConsumer}. */
export interface DeadLetterConsumerProps {
  readonly repoRoot: string;
  readonly bucket: s3.IBucket;
  /** Each fleet's name and dead-letter queue. */
  readonly fleets: { name: string; deadLetterQueue: sqs.IQueue }[];
  /** @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
}

/** One function on every fleet's dead-letter queue; it may write results and dead-letter records only. */
export class DeadLetterConsumer extends Construct {
  /** The function. */
  readonly function: LeanFleetFunction;

  constructor(scope: Construct, id: string, props: DeadLetterConsumerProps) {
    super(scope, id);
    this.function = new LeanFleetFunction(this, "Handler", {
      repoRoot: props.repoRoot,
      entry: "functions/dead-letter/handler.ts",
      memoryMiB: 256,
      timeout: Duration.seconds(DEAD_LETTER_FUNCTION_TIMEOUT_SECONDS),
      description: "LeanFleet dead-letter consumer: a terminal result for every dead-lettered job",
      ...(props.logRetention ? { logRetention: props.logRetention } : {}),
      environment: {
        [DEAD_LETTER_ENV.bucket]: props.bucket.bucketName,
        // [queue ARN, fleet] pairs: the ARNs are tokens, rendered into the JSON at deploy time.
        [DEAD_LETTER_ENV.fleets]: Stack.of(this).toJsonString(
          props.fleets.map((f) => [f.deadLetterQueue.queueArn, f.name]),
        ),
      },
    });
    const fn = this.function.fn;
    props.bucket.grantRead(fn, "results/*");
    props.bucket.grantPut(fn, "results/*");
    props.bucket.grantPut(fn, "dead-letter/*");
    for (const f of props.fleets) {
      fn.addEventSource(
        new lambdaEvents.SqsEventSource(f.deadLetterQueue, { batchSize: 10, reportBatchItemFailures: true }),
      );
    }
    const bucketId = Stack.of(this).getLogicalId(props.bucket.node.defaultChild as CfnElement);
    Validations.of(fn).acknowledge(
      {
        id: "AwsSolutions-IAM5[Action::s3:GetObject*]",
        reason: "Grant-generated read of results only (is there already a result for the job?).",
      },
      {
        id: "AwsSolutions-IAM5[Action::s3:GetBucket*]",
        reason: "Grant-generated bucket metadata reads of the deployment bucket only.",
      },
      {
        id: "AwsSolutions-IAM5[Action::s3:List*]",
        reason: "Grant-generated list, limited to results/ by the grant's resource.",
      },
      { id: "AwsSolutions-IAM5[Action::s3:Abort*]", reason: "Grant-generated: abort an interrupted multipart upload." },
      ...["results/*", "dead-letter/*"].map((p) => ({
        id: `AwsSolutions-IAM5[Resource::<${bucketId}.Arn>/${p}]`,
        reason: `Results are keyed by job id and dead-letter records by message id: the function writes one object under ${p} per dead-lettered message.`,
      })),
    );
  }
}
