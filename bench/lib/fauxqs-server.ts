// Child process of bench/api.ts: fauxqs (SQS + S3) on loopback, with one queue and one bucket, as the local cluster
// runs it. Prints one JSON line {endpoint, queueUrl, bucket}.
import { startFauxqs } from "fauxqs";

const server = await startFauxqs({ port: 0, host: "127.0.0.1", logger: false });
const { queueUrl } = server.createQueue("bench-default", { attributes: { VisibilityTimeout: "60" } });
server.createBucket("bench-results");
process.stdout.write(
  JSON.stringify({ endpoint: `http://127.0.0.1:${server.port}`, queueUrl, bucket: "bench-results" }) + "\n",
);
process.on("SIGTERM", () => void server.stop().then(() => process.exit(0)));
