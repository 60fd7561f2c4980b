// Lambda entry of nightly runs (EventBridge schedules): builds the runner from the environment on first use, with
// the SQS/S3 adapters of the worker and an Application Auto Scaling scaler, and handles start / check events.
import { ApplicationAutoScalingClient } from "@aws-sdk/client-application-auto-scaling";
import { pino } from "pino";
import { LeanFleetError } from "../../services/core/index.js";
import { createAwsClients, S3ObjectStore, SqsJobQueue } from "../../services/aws/index.js";
import { AppAutoScalingFleetScaler } from "./adapters/app-autoscaling.js";
import { parseNightlyConfig, type NightlyConfig } from "./config.js";
import { nightlyEventSchema } from "./events.js";
import { NightlyRunner } from "./nightly-runner.js";

/** Build the runner for a configuration (exported for tests, which pass a local endpoint). */
export function runnerFromConfig(config: NightlyConfig, log = pino({ level: config.logLevel })): NightlyRunner {
  const aws = createAwsClients({
    region: config.region,
    ...(config.awsEndpoint ? { endpoint: config.awsEndpoint } : {}),
  });
  const scaling = new ApplicationAutoScalingClient({
    region: config.region,
    ...(config.awsEndpoint ? { endpoint: config.awsEndpoint } : {}),
  });
  return new NightlyRunner({
    store: new S3ObjectStore({
      client: aws.s3,
      bucket: config.bucket,
      conditionalWrites: aws.local ? "head-then-put" : "native",
    }),
    // The SDK transport: a nightly run enqueues once a night, so the wire's CPU saving is irrelevant here, and every
    // call stays visible to SDK middleware and aws-sdk-client-mock.
    queues: Object.fromEntries(
      Object.entries(config.fleets).map(([name, f]) => [
        name,
        new SqsJobQueue({ client: aws.sqs, queueUrl: f.queueUrl, transport: "sdk" }),
      ]),
    ),
    fleets: Object.fromEntries(
      Object.entries(config.fleets).map(([name, f]) => [
        name,
        { cluster: f.cluster, service: f.service, minTasks: f.minTasks },
      ]),
    ),
    scaler: new AppAutoScalingFleetScaler(scaling),
    log,
  });
}

let runner: NightlyRunner | undefined;

/** The Lambda handler: `{"action":"start","run":{...}}` or `{"action":"check"}`. Invalid events throw (no retry helps). */
export async function handler(event: unknown): Promise<unknown> {
  const parsed = nightlyEventSchema.safeParse(event);
  if (!parsed.success)
    throw new LeanFleetError(
      "invalid_request",
      `not a nightly event: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`,
    );
  runner ??= runnerFromConfig(parseNightlyConfig(process.env));
  return runner.handle(parsed.data);
}
