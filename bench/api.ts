// bench/api: requests/s and p50/p99 latency of POST /v1/jobs (enqueue only: validate, accepted marker to S3, send
// to SQS) on the local stack (API on Node, fauxqs in its own process), next to a bare Hono route on the same server.
// Goal: the enqueue path keeps >= 50% of the bare route's throughput. Also measured: a bare route that reads the body,
// and POST /v1/jobs on a queue that drops messages (the API's own cost without the AWS SDK), plus CPU per request of
// the API and fauxqs processes, to show where the time goes. Args: --connections N --seconds S.
// BENCH_PROFILE=1 writes a CPU profile of the API process to /tmp/prof.
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import autocannon from "autocannon";
import { GetQueueAttributesCommand, SQSClient } from "@aws-sdk/client-sqs";

const here = dirname(fileURLToPath(import.meta.url));
const { values } = parseArgs({ options: { connections: { type: "string", default: "32" }, seconds: { type: "string", default: "10" } } });
const connections = Number(values.connections);
const seconds = Number(values.seconds);

function start(script: string, env: Record<string, string> = {}): Promise<{ child: ChildProcess; info: Record<string, string> }> {
  const child = spawn(process.execPath, [...(process.env.BENCH_PROFILE && script.startsWith("lib/api") ? ["--cpu-prof", "--cpu-prof-dir=/tmp/prof"] : []), "--import", "tsx", "--no-warnings", join(here, script)], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "inherit"] });
  return new Promise((resolve, reject) => {
    const rl = createInterface({ input: child.stdout! });
    rl.once("line", (line) => resolve({ child, info: JSON.parse(line) as Record<string, string> }));
    child.once("exit", (code) => reject(new Error(`${script} exited with ${code}`)));
  });
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const done = new Promise((r) => child.once("exit", r));
  child.kill("SIGTERM");
  const t = setTimeout(() => child.kill("SIGKILL"), 5000);
  await done;
  clearTimeout(t);
}

const body = JSON.stringify({ code: "theorem add_comm' (a b : Nat) : a + b = b + a := by omega", timeoutMs: 20000 });
/** CPU time (user + system) of a process so far, in ms, from /proc (Linux). */
function cpuMs(pid: number | undefined): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(f[11]) + Number(f[12])) * 1000) / 100; // clock ticks (USER_HZ = 100)
  } catch {
    return NaN;
  }
}

async function load(url: string, durationS: number) {
  const cpu0 = { api: cpuMs(api.child.pid), fauxqs: cpuMs(fauxqs.child.pid) };
  const r = await autocannon({ url, method: "POST", body, headers: { "content-type": "application/json" }, connections, duration: durationS });
  const n = Math.max(1, r["2xx"]);
  return {
    rps: r.requests.average,
    p50: r.latency.p50,
    p99: r.latency.p99,
    ok: r["2xx"],
    errors: r.non2xx + r.errors + r.timeouts,
    apiCpuUsPerReq: Math.round(((cpuMs(api.child.pid) - cpu0.api) * 1000) / n),
    fauxqsCpuUsPerReq: Math.round(((cpuMs(fauxqs.child.pid) - cpu0.fauxqs) * 1000) / n),
  };
}

const fauxqs = await start("lib/fauxqs-server.ts");
const api = await start("lib/api-bench-server.ts", { BENCH_AWS_ENDPOINT: fauxqs.info.endpoint!, BENCH_QUEUE_URL: fauxqs.info.queueUrl!, BENCH_BUCKET: fauxqs.info.bucket! });
try {
  const base = api.info.url!;
  console.log(`workload: POST of a ${body.length}-byte job, ${connections} connections, ${seconds} s per route after a 2 s warm-up; API and fauxqs in their own processes; 2-core machine shared with other work`);
  await load(`${base}/bare`, 2);
  await load(`${base}/v1/jobs`, 2);
  const bare = await load(`${base}/bare`, seconds);
  const bareRead = await load(`${base}/bare-read`, seconds);
  const stub = await load(`${base}/stub/v1/jobs`, seconds);
  const sqs = new SQSClient({ endpoint: fauxqs.info.endpoint!, region: "us-east-1", useQueueUrlAsEndpoint: false, credentials: { accessKeyId: "x", secretAccessKey: "x" } });
  const depth = async () => Number((await sqs.send(new GetQueueAttributesCommand({ QueueUrl: fauxqs.info.queueUrl!, AttributeNames: ["ApproximateNumberOfMessages"] }))).Attributes?.ApproximateNumberOfMessages ?? 0);
  const before = await depth();
  const enqueue = await load(`${base}/v1/jobs`, seconds);
  const enqueued = (await depth()) - before;
  sqs.destroy();
  const ratio = enqueue.rps / bare.rps;
  const row = (name: string, r: typeof bare) =>
    `${name.padEnd(26)} ${r.rps.toFixed(0).padStart(7)} req/s   p50 ${String(r.p50).padStart(4)} ms   p99 ${String(r.p99).padStart(4)} ms   CPU/request: API ${r.apiCpuUsPerReq} us, fauxqs ${r.fauxqsCpuUsPerReq} us   (${r.ok} ok, ${r.errors} errors)`;
  console.log(row("bare Hono route", bare));
  console.log(row("bare route reading body", bareRead));
  console.log(row("POST /v1/jobs, no SQS", stub));
  console.log(row("POST /v1/jobs (enqueue)", enqueue));
  console.log(`enqueue / bare throughput: ${(ratio * 100).toFixed(1)}% (goal >= 50%); messages on the queue after the run: ${enqueued} (202 answers: ${enqueue.ok})`);
  console.log(
    `CPU per enqueued job beyond the bare route: API logic ${stub.apiCpuUsPerReq - bare.apiCpuUsPerReq} us, AWS SDK sends (coalesced, <= 10 per SendMessageBatch) ${enqueue.apiCpuUsPerReq - stub.apiCpuUsPerReq} us, fauxqs ${enqueue.fauxqsCpuUsPerReq} us`,
  );
  console.log(
    JSON.stringify({
      "bench": "api",
      connections,
      seconds,
      bareRps: Math.round(bare.rps),
      bareP50Ms: bare.p50,
      bareP99Ms: bare.p99,
      enqueueRps: Math.round(enqueue.rps),
      enqueueP50Ms: enqueue.p50,
      enqueueP99Ms: enqueue.p99,
      ratio: Math.round(ratio * 1000) / 1000,
      goalMet: ratio >= 0.5,
      enqueueErrors: enqueue.errors,
      bareApiCpuUsPerReq: bare.apiCpuUsPerReq,
      enqueueApiCpuUsPerReq: enqueue.apiCpuUsPerReq,
      enqueueFauxqsCpuUsPerReq: enqueue.fauxqsCpuUsPerReq,
      noSqsRps: Math.round(stub.rps),
      noSqsApiCpuUsPerReq: stub.apiCpuUsPerReq,
      enqueuedMessages: enqueued,
    }),
  );
} finally {
  await stop(api.child);
  await stop(fauxqs.child);
}
