// The project's Lambda functions: TypeScript entries bundled locally with esbuild into ESM for Node 22.
import { Duration, Validations } from "aws-cdk-lib";
import * as lambda from "aws-cdk-lib/aws-lambda";
import * as lambdaNode from "aws-cdk-lib/aws-lambda-nodejs";
import * as logs from "aws-cdk-lib/aws-logs";
import { Construct } from "constructs";
import { join } from "node:path";

/** Props of {@link LeanFleetFunction}. */
export interface LeanFleetFunctionProps {
  /** Repository root (bundling's project root; holds package-lock.json). */
  readonly repoRoot: string;
  /** Entry file relative to the repository root, e.g. "functions/api/lambda.ts". */
  readonly entry: string;
  /** Exported handler name. @default "handler" */
  readonly handler?: string;
  /** Memory in MiB. @default 512 */
  readonly memoryMiB?: number;
  /** Timeout. @default Duration.seconds(30) */
  readonly timeout?: Duration;
  /** Environment variables. */
  readonly environment?: Record<string, string>;
  /** Log retention. @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
  /** Description. */
  readonly description?: string;
}

/**
 * ESM bundles need `require` for the CommonJS dependencies esbuild inlines: esbuild's ESM output has no `require`
 * of its own, so those modules fail with "Dynamic require of ... is not supported" unless the banner defines one.
 */
const ESM_REQUIRE_BANNER = "import { createRequire as __cr } from 'module'; const require = __cr(import.meta.url);";

/**
 * The files the report generator (services/report/render-html.ts) reads at run time to inline them into a page
 * (uPlot's build, the page's own script and styles), copied beside the bundle into `report-assets/`: esbuild
 * inlines code, not the files a module reads.
 */
function reportAssetCommands(inputDir: string, outputDir: string): string[] {
  const to = `"${outputDir}/report-assets/"`;
  return [
    `mkdir -p ${to}`,
    `cp "${inputDir}/node_modules/uplot/dist/uPlot.iife.min.js" "${inputDir}/node_modules/uplot/dist/uPlot.min.css" ${to}`,
    `cp -R "${inputDir}/services/report/client/." ${to}`,
  ];
}

/**
 * A NodejsFunction on the Node 22 runtime, bundled locally by esbuild (no Docker) as minified ESM with every
 * dependency inlined (the AWS SDK too, so the bundle pins the versions the tests ran with), and its own log group.
 */
export class LeanFleetFunction extends Construct {
  /** The function. */
  readonly fn: lambdaNode.NodejsFunction;
  /** Its log group. */
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: LeanFleetFunctionProps) {
    super(scope, id);
    this.logGroup = new logs.LogGroup(this, "Logs", { retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH });
    this.fn = new lambdaNode.NodejsFunction(this, "Function", {
      entry: join(props.repoRoot, props.entry),
      handler: props.handler ?? "handler",
      projectRoot: props.repoRoot,
      depsLockFilePath: join(props.repoRoot, "package-lock.json"),
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memoryMiB ?? 512,
      timeout: props.timeout ?? Duration.seconds(30),
      environment: { NODE_OPTIONS: "--enable-source-maps", ...props.environment },
      logGroup: this.logGroup,
      ...(props.description ? { description: props.description } : {}),
      bundling: {
        format: lambdaNode.OutputFormat.ESM,
        target: "node22",
        banner: ESM_REQUIRE_BANNER,
        externalModules: [],
        minify: true,
        sourceMap: true,
        mainFields: ["module", "main"],
        forceDockerBundling: false,
        commandHooks: {
          beforeBundling: () => [],
          beforeInstall: () => [],
          afterBundling: reportAssetCommands,
        },
      },
    });
    Validations.of(this.fn).acknowledge(
      {
        id: "AwsSolutions-L1",
        reason:
          "Pinned to Node 22, the runtime the project is developed and tested on (package.json engines); Node 24 is adopted deliberately, not by default.",
      },
      {
        id: "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]",
        reason: "The AWS-managed basic execution policy only lets the function write its own logs.",
      },
    );
  }
}
