// The API's queues and store built from its configuration, shared by the Lambda and the local entry points.
import { createAwsClients, S3ObjectStore, SqsJobQueue, type AwsClients } from "../../services/aws/index.js";
import type { JobQueue, ObjectStore } from "../../services/core/index.js";
import type { ApiConfig } from "./config.js";

/** SQS queues per fleet and the S3 store of a configuration (on fauxqs when it names a local endpoint). */
export function storageFromConfig(config: ApiConfig): {
  aws: AwsClients;
  queues: Record<string, JobQueue>;
  store: ObjectStore;
} {
  const aws = createAwsClients({
    region: config.region,
    ...(config.awsEndpoint ? { endpoint: config.awsEndpoint } : {}),
  });
  const queues = Object.fromEntries(
    Object.entries(config.queueUrls).map(([fleet, queueUrl]) => [
      fleet,
      new SqsJobQueue({ client: aws.sqs, queueUrl }),
    ]),
  );
  // fauxqs ignores If-None-Match on PUT, so conditional writes fall back to HEAD-then-PUT there.
  const store = new S3ObjectStore({
    client: aws.s3,
    bucket: config.bucket,
    conditionalWrites: aws.local ? "head-then-put" : "native",
  });
  return { aws, queues, store };
}
