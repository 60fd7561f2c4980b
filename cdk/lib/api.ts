// The public API: the Hono app of functions/api as a Lambda behind an HTTP API stage with throttling and access logs.
import { type CfnElement, CfnOutput, Duration, Stack, Validations } from "aws-cdk-lib";
import { AccessLogFormat } from "aws-cdk-lib/aws-apigateway";
import * as apigw from "aws-cdk-lib/aws-apigatewayv2";
import { HttpLambdaIntegration } from "aws-cdk-lib/aws-apigatewayv2-integrations";
import type * as ecs from "aws-cdk-lib/aws-ecs";
import * as iam from "aws-cdk-lib/aws-iam";
import * as logs from "aws-cdk-lib/aws-logs";
import type * as s3 from "aws-cdk-lib/aws-s3";
import * as ssm from "aws-cdk-lib/aws-ssm";
import type * as sqs from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { LeanFleetFunction } from "./node-function.js";

/** What the API needs to know about a fleet. */
export interface ApiFleet {
  readonly name: string;
  readonly queue: sqs.IQueue;
  readonly cluster: ecs.ICluster;
  readonly service: ecs.BaseService;
}

/** Props of {@link LeanFleetApi}. */
export interface LeanFleetApiProps {
  readonly repoRoot: string;
  readonly fleets: readonly ApiFleet[];
  readonly bucket: s3.IBucket;
  /**
   * SSM String parameter holding the API keys as the JSON the API reads (`LEANFLEET_API_KEYS`: an array of SHA-256
   * hex digests of the keys, or `{"id","sha256",...limits}` objects). It must exist before `cdk deploy`; its value
   * is resolved at deploy time, so changing keys means `put-parameter` then `cdk deploy`.
   * @default "/leanfleet/api-keys"
   */
  readonly apiKeysParameterName?: string;
  /** Stage throttling: steady requests per second. @default 50 */
  readonly rateLimitPerSecond?: number;
  /** Stage throttling: burst. @default 100 */
  readonly burstLimit?: number;
  /** Lambda memory in MiB. @default 512 */
  readonly memoryMiB?: number;
  readonly logRetention?: logs.RetentionDays;
}

/** Environment variable names the API Lambda receives (functions/api/config.ts reads them). */
export const API_ENVIRONMENT = {
  queueUrls: "LEANFLEET_QUEUE_URLS",
  bucket: "LEANFLEET_BUCKET",
  defaultFleet: "LEANFLEET_DEFAULT_FLEET",
  apiKeys: "LEANFLEET_API_KEYS",
  apiKeysParameter: "LEANFLEET_API_KEYS_PARAMETER",
  ecsCluster: "LEANFLEET_ECS_CLUSTER",
  ecsClusters: "LEANFLEET_ECS_CLUSTERS",
  ecsServices: "LEANFLEET_ECS_SERVICES",
} as const;

/**
 * HTTP API → Lambda (Hono). Authentication is the app's bearer keys (hashed, from SSM); API Gateway adds stage
 * throttling and JSON access logs. The function may send to the fleets' queues, read and write the bucket's job
 * and batch objects, and describe the fleets' services (task counts for GET /v1/cluster).
 */
export class LeanFleetApi extends Construct {
  /** The function. */
  readonly function: LeanFleetFunction;
  /** The HTTP API. */
  readonly httpApi: apigw.HttpApi;
  /** The stage (`$default`). */
  readonly stage: apigw.HttpStage;
  /** Access log group. */
  readonly accessLogs: logs.LogGroup;

  constructor(scope: Construct, id: string, props: LeanFleetApiProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const parameterName = props.apiKeysParameterName ?? "/leanfleet/api-keys";
    const keys = ssm.StringParameter.fromStringParameterName(this, "ApiKeys", parameterName);
    const fleets = props.fleets;
    this.function = new LeanFleetFunction(this, "Handler", {
      repoRoot: props.repoRoot,
      entry: "functions/api/lambda.ts",
      memoryMiB: props.memoryMiB ?? 512,
      timeout: Duration.seconds(30),
      description: "LeanFleet API (Hono)",
      ...(props.logRetention ? { logRetention: props.logRetention } : {}),
      environment: {
        [API_ENVIRONMENT.queueUrls]: stack.toJsonString(Object.fromEntries(fleets.map((f) => [f.name, f.queue.queueUrl]))),
        [API_ENVIRONMENT.bucket]: props.bucket.bucketName,
        [API_ENVIRONMENT.defaultFleet]: fleets[0]!.name,
        // Resolved by CloudFormation at deploy time from the SSM parameter (hashes only, never the keys).
        [API_ENVIRONMENT.apiKeys]: keys.stringValue,
        [API_ENVIRONMENT.apiKeysParameter]: parameterName,
        // One cluster per fleet (task protection is scoped per cluster): fleet -> cluster and fleet -> service.
        ...(fleets.length === 1 ? { [API_ENVIRONMENT.ecsCluster]: fleets[0]!.cluster.clusterName } : {}),
        [API_ENVIRONMENT.ecsClusters]: stack.toJsonString(Object.fromEntries(fleets.map((f) => [f.name, f.cluster.clusterName]))),
        [API_ENVIRONMENT.ecsServices]: stack.toJsonString(Object.fromEntries(fleets.map((f) => [f.name, f.service.serviceName]))),
      },
    });
    const fn = this.function.fn;
    for (const f of fleets) f.queue.grantSendMessages(fn);
    props.bucket.grantRead(fn);
    props.bucket.grantPut(fn, "inputs/*");
    // The id-signing secret (functions/api/job-ids.ts) is created by the first API instance that needs it.
    props.bucket.grantPut(fn, "config/id-secret");
    props.bucket.grantPut(fn, "batches/*");
    keys.grantRead(fn);
    fn.addToRolePolicy(
      new iam.PolicyStatement({ actions: ["ecs:DescribeServices"], resources: fleets.map((f) => f.service.serviceArn) }),
    );

    this.accessLogs = new logs.LogGroup(this, "AccessLogs", { retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH });
    this.httpApi = new apigw.HttpApi(this, "Http", {
      description: "LeanFleet API",
      createDefaultStage: false,
      defaultIntegration: new HttpLambdaIntegration("Lambda", fn, { payloadFormatVersion: apigw.PayloadFormatVersion.VERSION_2_0 }),
    });
    this.stage = this.httpApi.addStage("Stage", {
      stageName: "$default",
      autoDeploy: true,
      throttle: { rateLimit: props.rateLimitPerSecond ?? 50, burstLimit: props.burstLimit ?? 100 },
      accessLogSettings: { destination: new apigw.LogGroupLogDestination(this.accessLogs), format: AccessLogFormat.jsonWithStandardFields() },
    });
    Validations.of(this.httpApi).acknowledge({
      id: "AwsSolutions-APIG4",
      reason: "Every /v1 route authenticates in the app with bearer API keys checked against SHA-256 hashes (functions/api/middleware/auth.ts); /health and /openapi.json are public on purpose.",
    });
    Validations.of(fn).acknowledge(
      { id: "AwsSolutions-IAM5[Action::s3:GetObject*]", reason: "Grant-generated read of job results, batch manifests and markers; the API serves them." },
      { id: "AwsSolutions-IAM5[Action::s3:GetBucket*]", reason: "Grant-generated bucket metadata reads of the deployment bucket only." },
      { id: "AwsSolutions-IAM5[Action::s3:List*]", reason: "Listing batch results is how the API pages through them." },
      { id: "AwsSolutions-IAM5[Action::s3:Abort*]", reason: "Grant-generated: abort an interrupted multipart upload of a large input." },
      ...["*", "inputs/*", "batches/*"].map((p) => ({
        id: `AwsSolutions-IAM5[Resource::<${stack.getLogicalId(props.bucket.node.defaultChild as CfnElement)}.Arn>/${p}]`,
        reason: `Objects are keyed by job and batch ids; the API needs every object under ${p === "*" ? "the bucket (read)" : p}.`,
      })),
    );
    new CfnOutput(this, "Endpoint", { value: this.httpApi.apiEndpoint, description: "LeanFleet API base URL (use with --endpoint)" });
  }
}
