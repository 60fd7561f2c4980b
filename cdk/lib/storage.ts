// The deployment's S3 bucket (inputs, results, batches, runs, datasets): encrypted, private, TLS only, with expiry.
import { Duration, RemovalPolicy, Validations } from "aws-cdk-lib";
import * as s3 from "aws-cdk-lib/aws-s3";
import { Construct } from "constructs";

/** Props of {@link Storage}. */
export interface StorageProps {
  /** Days before claim-checked inputs (`inputs/`) expire. @default 7 */
  readonly inputsExpireDays?: number;
  /** Days before results (`results/`) and run markers (`running/`) expire. @default 90 */
  readonly resultsExpireDays?: number;
}

/**
 * One bucket per deployment. Versioning stays off: results are written idempotently under keys derived from job
 * ids, so old versions would only cost money. Server access logs go to a second bucket. Both buckets are retained
 * when the stack is deleted (see the teardown notes in README.md, "Deploy to AWS").
 */
export class Storage extends Construct {
  /** The data bucket. */
  readonly bucket: s3.Bucket;
  /** The server access log bucket. */
  readonly accessLogs: s3.Bucket;

  constructor(scope: Construct, id: string, props: StorageProps = {}) {
    super(scope, id);
    const inputsDays = props.inputsExpireDays ?? 7;
    const resultsDays = props.resultsExpireDays ?? 90;
    this.accessLogs = new s3.Bucket(this, "AccessLogs", {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
      lifecycleRules: [{ id: "expire-access-logs", expiration: Duration.days(90) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(this.accessLogs).acknowledge({
      id: "AwsSolutions-S1",
      reason: "This is the server access log bucket itself; logging it to itself would loop.",
    });
    this.bucket = new s3.Bucket(this, "Data", {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      versioned: false,
      serverAccessLogsBucket: this.accessLogs,
      serverAccessLogsPrefix: "data/",
      lifecycleRules: [
        { id: "expire-inputs", prefix: "inputs/", expiration: Duration.days(inputsDays) },
        { id: "expire-results", prefix: "results/", expiration: Duration.days(resultsDays) },
        { id: "expire-running-markers", prefix: "running/", expiration: Duration.days(Math.min(2, resultsDays)) },
        { id: "abort-multipart", abortIncompleteMultipartUploadAfter: Duration.days(1) },
      ],
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }
}
