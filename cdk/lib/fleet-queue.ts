// A fleet's job queue and its dead-letter queue.
import { Duration, Validations } from "aws-cdk-lib";
import * as sqs from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { DEAD_LETTER_FUNCTION_TIMEOUT_SECONDS } from "./dead-letter-consumer.js";

/** Props of {@link FleetQueue}. */
export interface FleetQueueProps {
  /**
   * Visibility timeout in seconds. The worker extends each running job's visibility before it runs out (its
   * heartbeat, told the same number through LEANFLEET_VISIBILITY_SECONDS), so this only bounds how long a message
   * held by a worker that died stays invisible before it is delivered again.
   * @default 120
   */
  readonly visibilitySeconds?: number;
  /**
   * Deliveries before a message moves to the dead-letter queue. A delivery is used up when a worker dies holding
   * the message (task killed, out of memory) or cannot parse it; a REPL crash is retried inside one delivery by the
   * worker and reported as `crashed`, so a hard job does not reach the dead-letter queue, only poison does.
   * @default 5
   */
  readonly maxReceiveCount?: number;
}

/** One fleet's SQS queue (SSE, TLS only, long polling) with a dead-letter queue that keeps messages 14 days. */
export class FleetQueue extends Construct {
  /** The job queue. */
  readonly queue: sqs.Queue;
  /** Its dead-letter queue. */
  readonly deadLetterQueue: sqs.Queue;
  /** The redrive bound actually configured. */
  readonly maxReceiveCount: number;

  constructor(scope: Construct, id: string, props: FleetQueueProps = {}) {
    super(scope, id);
    this.maxReceiveCount = props.maxReceiveCount ?? 5;
    this.deadLetterQueue = new sqs.Queue(this, "Dlq", {
      retentionPeriod: Duration.days(14),
      // The dead-letter consumer (a Lambda, timeout DEAD_LETTER_FUNCTION_TIMEOUT_SECONDS) leases its messages: AWS
      // asks for at least six times the function's timeout.
      visibilityTimeout: Duration.seconds(6 * DEAD_LETTER_FUNCTION_TIMEOUT_SECONDS),
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: "AwsSolutions-SQS3",
      reason: "This queue is the dead-letter queue of the fleet's job queue; it needs none of its own.",
    });
    this.queue = new sqs.Queue(this, "Queue", {
      visibilityTimeout: Duration.seconds(props.visibilitySeconds ?? 120),
      receiveMessageWaitTime: Duration.seconds(20),
      retentionPeriod: Duration.days(4),
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: this.maxReceiveCount },
    });
  }
}
