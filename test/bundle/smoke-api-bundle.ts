// Runs the API Lambda exactly as synthesized (cdk.out's esbuild bundle, not the sources) against fauxqs: a job is
// accepted, lands on the queue, and reads back as queued; a batch's report is served (its assets beside the bundle).
// Catches what only the bundle can break (a dependency that does not survive bundling, an ESM/CommonJS mix-up, a
// missing builtin, a file read at run time). Run after `npm run synth:example` (CI does);
// not a vitest file, since it needs the synthesized cdk.out.
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { startFauxqs } from "fauxqs";
import { createAwsClients, SqsJobQueue } from "../../services/aws/index.js";
import { apiEvent } from "../api/helpers/api-gateway-event.js";

const OUT = resolve(process.argv[2] ?? "cdk.out");
const STACK = "LeanFleet";

function fail(message: string): never {
  console.error(`smoke-api-bundle: ${message}`);
  process.exit(1);
}

/** The API function's bundle: its logical id starts with ApiHandler, its code is the asset named by its S3 key. */
function apiBundle(): string {
  const templatePath = join(OUT, `${STACK}.template.json`);
  if (!existsSync(templatePath)) fail(`${templatePath} not found; run \`npm run synth:example\` first`);
  const template = JSON.parse(readFileSync(templatePath, "utf8")) as {
    Resources: Record<string, { Type: string; Properties: { Code?: { S3Key?: string } } }>;
  };
  const fn = Object.entries(template.Resources).find(
    ([id, r]) => r.Type === "AWS::Lambda::Function" && id.startsWith("ApiHandler"),
  );
  const key = fn?.[1].Properties.Code?.S3Key;
  if (!key) fail(`no ApiHandler function with an asset S3Key in ${templatePath}`);
  const bundle = join(OUT, `asset.${key.replace(/\.zip$/, "")}`, "index.mjs");
  if (!existsSync(bundle)) fail(`${bundle} not found (synth with bundling, without --no-staging)`);
  return bundle;
}

const bundle = apiBundle();
const server = await startFauxqs({ port: 0, host: "127.0.0.1", logger: false });
const endpoint = `http://127.0.0.1:${server.port}`;
const aws = createAwsClients({ endpoint, region: "us-east-1" });
try {
  const { queueUrl } = server.createQueue("smoke-default");
  server.createBucket("smoke-results");
  Object.assign(process.env, {
    LEANFLEET_QUEUE_URLS: JSON.stringify({ default: queueUrl }),
    LEANFLEET_BUCKET: "smoke-results",
    LEANFLEET_API_KEYS: JSON.stringify([
      { id: "smoke", sha256: createHash("sha256").update("smoke-key").digest("hex") },
    ]),
    LEANFLEET_AWS_ENDPOINT: endpoint,
    LEANFLEET_LOG_LEVEL: "silent",
    AWS_REGION: "us-east-1",
  });
  const { handler } = (await import(pathToFileURL(bundle).href)) as {
    handler: (e: object) => Promise<{ statusCode: number; body: string }>;
  };

  const auth = { authorization: "Bearer smoke-key" };
  const posted = await handler(
    apiEvent("POST", "/v1/jobs", {
      body: JSON.stringify({ code: "theorem smoke : 1 + 1 = 2 := rfl" }),
      headers: { ...auth, "content-type": "application/json" },
    }),
  );
  if (posted.statusCode !== 202) fail(`POST /v1/jobs answered ${posted.statusCode}: ${posted.body}`);
  const { jobId } = JSON.parse(posted.body) as { jobId: string };
  const [message] = await new SqsJobQueue({ client: aws.sqs, queueUrl }).receive(1, 1);
  if (!message || !message.body.includes(jobId)) fail(`job ${jobId} is not on the queue`);
  const got = await handler(apiEvent("GET", `/v1/jobs/${jobId}`, { headers: auth }));
  if (got.statusCode !== 200 || !got.body.includes('"queued"'))
    fail(`GET /v1/jobs/${jobId} answered ${got.statusCode}: ${got.body}`);
  // A batch's report: the page's assets are read beside the bundle (report-assets/), not from node_modules.
  const batch = await handler(
    apiEvent("POST", "/v1/batches", {
      body: JSON.stringify([{ code: "theorem b : True := trivial" }]),
      headers: { ...auth, "content-type": "application/json" },
    }),
  );
  if (batch.statusCode !== 202) fail(`POST /v1/batches answered ${batch.statusCode}: ${batch.body}`);
  const { batchId } = JSON.parse(batch.body) as { batchId: string };
  const report = await handler(apiEvent("GET", `/v1/batches/${batchId}/report`, { headers: auth }));
  if (report.statusCode !== 200 || !report.body.includes('id="report-data"') || !report.body.includes("uPlot"))
    fail(`GET /v1/batches/${batchId}/report answered ${report.statusCode}: ${report.body.slice(0, 300)}`);
  console.log(
    `smoke-api-bundle: ${bundle.slice(OUT.length + 1)} accepted ${jobId}, queued it on SQS and reads it back as queued; serves batch ${batchId}'s report`,
  );
} finally {
  aws.destroy();
  await server.stop();
}
