// The worker's AWS edge: SQS, S3 and ECS adapters behind the worker's ports, and one place that builds the clients.
import { ECSClient } from "@aws-sdk/client-ecs";
import { S3Client } from "@aws-sdk/client-s3";
import { SQSClient } from "@aws-sdk/client-sqs";
import { closeSqsWires } from "./sqs-transport.js";

export { SqsJobQueue, SQS_LIMITS, type SqsJobQueueOptions } from "./sqs.js";
export { closeSqsWires } from "./sqs-transport.js";
export {
  SqsWire,
  SqsServiceError,
  SQS_WIRE_DEFAULTS,
  type SqsCaller,
  type SqsOperation,
  type SqsWireOptions,
} from "./sqs-wire.js";
export { S3ObjectStore, type S3ObjectStoreOptions, type ConditionalWrites } from "./s3.js";
export {
  EcsTaskProtection,
  NoopTaskProtection,
  ECS_PROTECTION_DEFAULTS,
  type EcsTaskProtectionOptions,
  type EcsTaskIdentity,
} from "./ecs.js";

/** Where the AWS clients talk to. */
export interface AwsClientOptions {
  /** A local SQS/S3-compatible endpoint such as fauxqs (`http://127.0.0.1:4566`); absent in AWS. */
  endpoint?: string;
  region: string;
}

/** The clients the worker (and the local cluster) use. */
export interface AwsClients {
  sqs: SQSClient;
  s3: S3Client;
  ecs: ECSClient;
  /** True when talking to a local endpoint, whose S3 ignores `If-None-Match` on PUT (see {@link S3ObjectStoreOptions}). */
  local: boolean;
  /** Close every client's sockets. */
  destroy(): void;
}

/**
 * Build SQS, S3 and ECS clients. With an endpoint, the endpoint is set on the client itself (with an endpoint from
 * the environment alone, the SQS client sends each call to its QueueUrl's host instead), S3 uses path-style addressing, and
 * placeholder credentials are used (local servers do not check them; the SDK insists on having some).
 */
export function createAwsClients(options: AwsClientOptions): AwsClients {
  const local = options.endpoint !== undefined && options.endpoint !== "";
  const common = local
    ? {
        region: options.region,
        endpoint: options.endpoint,
        credentials: { accessKeyId: "local", secretAccessKey: "local" },
      }
    : { region: options.region };
  // md5: false skips the SDK's MD5 of every message body sent and received: TLS (and loopback locally) already
  // guards integrity, and the hashing was the largest client CPU cost per SendMessageBatch measured in bench/api.
  // cacheMiddleware: resolve each command class's middleware stack once per client instead of on every send (a
  // sizeable share of the worker's CPU per job); valid because no middleware is ever added to a client or command
  // after construction.
  const sqs = new SQSClient(
    local
      ? { ...common, useQueueUrlAsEndpoint: false, md5: false, cacheMiddleware: true }
      : { ...common, md5: false, cacheMiddleware: true },
  );
  // Locally, skip the optional CRC32 trailers (aws-chunked bodies): fauxqs decodes them slowly, halving put throughput.
  const s3 = new S3Client(
    local
      ? {
          ...common,
          cacheMiddleware: true,
          forcePathStyle: true,
          requestChecksumCalculation: "WHEN_REQUIRED",
          responseChecksumValidation: "WHEN_REQUIRED",
        }
      : { ...common, cacheMiddleware: true },
  );
  const ecs = new ECSClient(common);
  return {
    sqs,
    s3,
    ecs,
    local,
    destroy() {
      void closeSqsWires(sqs); // the wire transport's connection pools (see SqsJobQueueOptions.transport)
      sqs.destroy();
      s3.destroy();
      ecs.destroy();
    },
  };
}
