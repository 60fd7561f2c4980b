// The public API: the Hono app of functions/api as a Lambda behind an HTTP API stage with throttling and access logs.
import { type CfnElement, CfnOutput, Duration, Stack, Validations } from "aws-cdk-lib";
import { AccessLogFormat } from "aws-cdk-lib/aws-apigateway";
import * as apigw from "aws-cdk-lib/aws-apigatewayv2";
import { HttpLambdaIntegration } from "aws-cdk-lib/aws-apigatewayv2-integrations";
import type * as ecs from "aws-cdk-lib/aws-ecs";
import * as iam from "aws-cdk-lib/aws-iam";
import * as lambda from "aws-cdk-lib/aws-lambda";
import * as logs from "aws-cdk-lib/aws-logs";
import type * as s3 from "aws-cdk-lib/aws-s3";
import * as ssm from "aws-cdk-lib/aws-ssm";
import type * as sqs from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { API_ENV } from "../../functions/api/index.js";
import { LeanFleetError } from "../../services/core/index.js";
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
  /**
   * How long a Kimina-compatible call (`/api/check`, `/verify` on the Kimina function URL) waits for its results, in
   * seconds; that function's timeout is this plus 60 s. Keep it below your Kimina clients' HTTP timeout
   * (kimina-client: 600 s). At most 840 (a Lambda runs 15 minutes at most). @default 540
   */
  readonly kiminaWaitSeconds?: number;
  readonly logRetention?: logs.RetentionDays;
}

/** Environment variable names the API Lambda receives: the API's own (functions/api/config.ts reads them). */
export const API_ENVIRONMENT = API_ENV;

/**
 * HTTP API → Lambda (Hono), and the same app on a second function behind a Lambda function URL for Kimina Lean
 * Server's routes, whose calls wait minutes for their results (an HTTP API integration stops at 30 s).
 * Authentication is the app's bearer keys (hashed, from SSM); API Gateway adds stage throttling and JSON access
 * logs. The function may send to the fleets' queues, read and write the bucket's job and batch objects, and
 * describe the fleets' services (task counts for GET /v1/cluster).
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
  /** The function serving Kimina's routes (`/api/check`, `/verify`) with a long timeout. */
  readonly kiminaFunction: LeanFleetFunction;
  /** Its function URL: the base URL Kimina clients use (`LEAN_SERVER_API_URL`). */
  readonly kiminaUrl: lambda.FunctionUrl;

  constructor(scope: Construct, id: string, props: LeanFleetApiProps) {
    super(scope, id);
    const parameterName = props.apiKeysParameterName ?? "/leanfleet/api-keys";
    const keys = ssm.StringParameter.fromStringParameterName(this, "ApiKeys", parameterName);
    const environment = apiEnvironment(Stack.of(this), props.fleets, props.bucket, keys);
    const apiFunction = (fnId: string, timeout: Duration, description: string, extra: Record<string, string> = {}) =>
      this.createApiFunction(props, keys, fnId, timeout, description, { ...environment, ...extra });
    this.function = apiFunction("Handler", Duration.seconds(30), "LeanFleet API (Hono)");

    // Kimina's clients wait minutes per call (kimina-client's HTTP timeout is 600 s, Lean4Client's 3600 s), past API
    // Gateway's 30 s: the same app on a function with a long timeout behind a function URL (buffered: answers stay
    // under Lambda's 6 MB). Auth is the app's (Kimina's Authorization header, the same hashed keys and per-key
    // limits); the URL has no IAM auth because Kimina's clients cannot sign requests.
    const kiminaWait = kiminaWaitSeconds(props);
    this.kiminaFunction = apiFunction(
      "KiminaHandler",
      Duration.seconds(kiminaWait + 60),
      "LeanFleet API for Kimina Lean Server clients (long waits)",
      {
        [API_ENVIRONMENT.kiminaWaitSeconds]: String(kiminaWait),
      },
    );
    this.kiminaUrl = this.kiminaFunction.fn.addFunctionUrl({
      authType: lambda.FunctionUrlAuthType.NONE,
      invokeMode: lambda.InvokeMode.BUFFERED,
    });

    this.accessLogs = new logs.LogGroup(this, "AccessLogs", {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
    });
    this.httpApi = this.createHttpApi(this.function.fn);
    this.stage = this.addDefaultStage(props);
    this.addOutputs();
  }

  /** One function running the API app, with the grants every instance of it needs. */
  private createApiFunction(
    props: LeanFleetApiProps,
    keys: ssm.IStringParameter,
    id: string,
    timeout: Duration,
    description: string,
    environment: Record<string, string>,
  ): LeanFleetFunction {
    const f = new LeanFleetFunction(this, id, {
      repoRoot: props.repoRoot,
      entry: "functions/api/lambda.ts",
      memoryMiB: props.memoryMiB ?? 512,
      timeout,
      description,
      ...(props.logRetention ? { logRetention: props.logRetention } : {}),
      environment,
    });
    const fn = f.fn;
    for (const q of props.fleets) q.queue.grantSendMessages(fn);
    props.bucket.grantRead(fn);
    props.bucket.grantPut(fn, "inputs/*");
    // The id-signing secret (functions/api/job-ids.ts) is created by the first API instance that needs it.
    props.bucket.grantPut(fn, "config/id-secret");
    props.bucket.grantPut(fn, "batches/*");
    keys.grantRead(fn);
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ["ecs:DescribeServices"],
        resources: props.fleets.map((q) => q.service.serviceArn),
      }),
    );
    acknowledgeFunctionFindings(fn, props.bucket);
    return f;
  }

  /** The HTTP API, every route integrated with `fn` (payload format 2.0). */
  private createHttpApi(fn: lambda.IFunction): apigw.HttpApi {
    const httpApi = new apigw.HttpApi(this, "Http", {
      description: "LeanFleet API",
      createDefaultStage: false,
      defaultIntegration: new HttpLambdaIntegration("Lambda", fn, {
        payloadFormatVersion: apigw.PayloadFormatVersion.VERSION_2_0,
      }),
    });
    Validations.of(httpApi).acknowledge({
      id: "AwsSolutions-APIG4",
      reason:
        "Every /v1 route authenticates in the app with bearer API keys checked against SHA-256 hashes (functions/api/middleware/auth.ts); /health and /openapi.json are public on purpose.",
    });
    return httpApi;
  }

  /** The `$default` stage: auto-deployed, throttled, with JSON access logs. */
  private addDefaultStage(props: LeanFleetApiProps): apigw.HttpStage {
    return this.httpApi.addStage("Stage", {
      stageName: "$default",
      autoDeploy: true,
      throttle: { rateLimit: props.rateLimitPerSecond ?? 50, burstLimit: props.burstLimit ?? 100 },
      accessLogSettings: {
        destination: new apigw.LogGroupLogDestination(this.accessLogs),
        format: AccessLogFormat.jsonWithStandardFields(),
      },
    });
  }

  /** The two base URLs clients use. */
  private addOutputs(): void {
    new CfnOutput(this, "Endpoint", {
      value: this.httpApi.apiEndpoint,
      description: "LeanFleet API base URL (use with --endpoint)",
    });
    new CfnOutput(this, "KiminaEndpoint", {
      value: this.kiminaUrl.url,
      description:
        "Base URL for Kimina Lean Server clients (LEAN_SERVER_API_URL, Lean4Client base_url): /api/check, /verify, /health",
    });
  }
}

/** The environment both API functions share: queues, bucket, hashed keys from SSM, clusters and services by fleet. */
function apiEnvironment(
  stack: Stack,
  fleets: readonly ApiFleet[],
  bucket: s3.IBucket,
  keys: ssm.IStringParameter,
): Record<string, string> {
  return {
    [API_ENVIRONMENT.queueUrls]: stack.toJsonString(Object.fromEntries(fleets.map((f) => [f.name, f.queue.queueUrl]))),
    [API_ENVIRONMENT.bucket]: bucket.bucketName,
    [API_ENVIRONMENT.defaultFleet]: fleets[0]!.name,
    // Resolved by CloudFormation at deploy time from the SSM parameter (hashes only, never the keys).
    [API_ENVIRONMENT.apiKeys]: keys.stringValue,
    // One cluster per fleet (task protection is scoped per cluster): fleet -> cluster and fleet -> service.
    ...(fleets.length === 1 ? { [API_ENVIRONMENT.ecsCluster]: fleets[0]!.cluster.clusterName } : {}),
    [API_ENVIRONMENT.ecsClusters]: stack.toJsonString(
      Object.fromEntries(fleets.map((f) => [f.name, f.cluster.clusterName])),
    ),
    [API_ENVIRONMENT.ecsServices]: stack.toJsonString(
      Object.fromEntries(fleets.map((f) => [f.name, f.service.serviceName])),
    ),
  };
}

/** The Kimina wait in seconds, checked: a whole number from 1 to 840. */
function kiminaWaitSeconds(props: LeanFleetApiProps): number {
  const wait = props.kiminaWaitSeconds ?? 540;
  if (!Number.isInteger(wait) || wait < 1 || wait > 840) {
    throw new LeanFleetError(
      "deploy_config",
      `kiminaWaitSeconds must be an integer from 1 to 840 (a Lambda runs 15 minutes at most), got ${wait}`,
      { kiminaWaitSeconds: wait },
    );
  }
  return wait;
}

/** cdk-nag findings on an API function's role that are intended, each with its reason. */
function acknowledgeFunctionFindings(fn: lambda.IFunction, bucket: s3.IBucket): void {
  const bucketId = Stack.of(fn).getLogicalId(bucket.node.defaultChild as CfnElement);
  Validations.of(fn).acknowledge(
    {
      id: "AwsSolutions-IAM5[Action::s3:GetObject*]",
      reason: "Grant-generated read of job results, batch manifests and markers; the API serves them.",
    },
    {
      id: "AwsSolutions-IAM5[Action::s3:GetBucket*]",
      reason: "Grant-generated bucket metadata reads of the deployment bucket only.",
    },
    {
      id: "AwsSolutions-IAM5[Action::s3:List*]",
      reason: "Listing batch results is how the API pages through them.",
    },
    {
      id: "AwsSolutions-IAM5[Action::s3:Abort*]",
      reason: "Grant-generated: abort an interrupted multipart upload of a large input.",
    },
    ...["*", "inputs/*", "batches/*"].map((p) => ({
      id: `AwsSolutions-IAM5[Resource::<${bucketId}.Arn>/${p}]`,
      reason: `Objects are keyed by job and batch ids; the API needs every object under ${p === "*" ? "the bucket (read)" : p}.`,
    })),
  );
}
