// bench/api: requests/s and p50/p99 latency of POST /v1/jobs (enqueue only: validate, sign the job id, send to SQS
// through coalesced SendMessageBatch calls) on the local stack (API on Node, fauxqs in its own process), next to a
// bare Hono route on the same server. Goal: the enqueue path keeps >= 50% of the bare route's throughput.
// After a warm-up (the JIT and fauxqs take ~20 s of load to settle here), bare and enqueue runs alternate for a few
// rounds and the median of the per-round ratios is the figure (this machine's throughput drifts by +-15% between
// runs). Each round also runs the floor: a route that only reads the body, sends it through the same coalescer and
// SQS wire, and answers 202 (the part no enqueue path can skip). Also measured once: a bare route that reads the
// body, and POST /v1/jobs on a queue that drops messages (the API's own cost without SQS), plus CPU per request of
// the API, fauxqs and the load generator, to show where the time goes. Args: --connections N --seconds S (per run)
// --rounds R --warmup S. BENCH_PROFILE=1 writes a CPU profile of the API process to /tmp/prof.
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import autocannon from "autocannon";
import { GetQueueAttributesCommand, SQSClient } from "@aws-sdk/client-sqs";

const here = dirname(fileURLToPath(import.meta.url));
const { values } = parseArgs({
  options: {
    connections: { type: "string", default: "32" },
    seconds: { type: "string", default: "5" },
    rounds: { type: "string", default: "5" },
    warmup: { type: "string", default: "20" },
  },
});
const connections = Number(values.connections);
const seconds = Number(values.seconds);
const rounds = Number(values.rounds);
const warmupSeconds = Number(values.warmup);

function start(
  script: string,
  env: Record<string, string> = {},
): Promise<{ child: ChildProcess; info: Record<string, string> }> {
  const profile =
    process.env.BENCH_PROFILE && script.startsWith("lib/api") ? ["--cpu-prof", "--cpu-prof-dir=/tmp/prof"] : [];
  const child = spawn(process.execPath, [...profile, "--import", "tsx", "--no-warnings", join(here, script)], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
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

interface Run {
  rps: number;
  p50: number;
  p99: number;
  ok: number;
  apiCpuUsPerReq: number;
  fauxqsCpuUsPerReq: number;
  loadgenCpuUsPerReq: number;
}

async function load(url: string, durationS: number): Promise<Run> {
  const cpu0 = { api: cpuMs(api.child.pid), fauxqs: cpuMs(fauxqs.child.pid), loadgen: process.cpuUsage() };
  const r = await autocannon({
    url,
    method: "POST",
    body,
    headers: { "content-type": "application/json" },
    connections,
    duration: durationS,
  });
  const loadgen = process.cpuUsage(cpu0.loadgen);
  // A run with failed requests measures errors, not the route: stop rather than print a meaningless ratio.
  if (r.non2xx + r.errors + r.timeouts > 0)
    throw new Error(
      `${url}: ${r.non2xx} non-2xx answers, ${r.errors} errors, ${r.timeouts} timeouts in ${durationS} s`,
    );
  const n = Math.max(1, r["2xx"]);
  return {
    rps: r.requests.average,
    p50: r.latency.p50,
    p99: r.latency.p99,
    ok: r["2xx"],
    apiCpuUsPerReq: Math.round(((cpuMs(api.child.pid) - cpu0.api) * 1000) / n),
    fauxqsCpuUsPerReq: Math.round(((cpuMs(fauxqs.child.pid) - cpu0.fauxqs) * 1000) / n),
    loadgenCpuUsPerReq: Math.round((loadgen.user + loadgen.system) / n),
  };
}

const pct = (r: number) => `${(r * 100).toFixed(1)}%`;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
/** The run whose throughput is the median of `runs` (its latency and CPU figures go with it). */
const medianRun = (runs: Run[]) => [...runs].sort((a, b) => a.rps - b.rps)[Math.floor(runs.length / 2)]!;

const fauxqs = await start("lib/fauxqs-server.ts");
const api = await start("lib/api-bench-server.ts", {
  BENCH_AWS_ENDPOINT: fauxqs.info.endpoint!,
  BENCH_QUEUE_URL: fauxqs.info.queueUrl!,
  BENCH_BUCKET: fauxqs.info.bucket!,
});
try {
  const base = api.info.url!;
  console.log(
    `workload: POST of a ${body.length}-byte job, ${connections} connections; warm-up ${warmupSeconds} s, then ${rounds} rounds of bare and enqueue runs of ${seconds} s each; API and fauxqs in their own processes, the load generator in this one; 2-core machine shared with other work`,
  );
  await load(`${base}/bare`, 3);
  await load(`${api.info.stubUrl!}/v1/jobs`, 3);
  await load(`${base}/v1/jobs`, warmupSeconds);

  const sqs = new SQSClient({
    endpoint: fauxqs.info.endpoint!,
    region: "us-east-1",
    useQueueUrlAsEndpoint: false,
    credentials: { accessKeyId: "x", secretAccessKey: "x" },
  });
  const depth = async () =>
    Number(
      (
        await sqs.send(
          new GetQueueAttributesCommand({
            QueueUrl: fauxqs.info.queueUrl!,
            AttributeNames: ["ApproximateNumberOfMessages"],
          }),
        )
      ).Attributes?.ApproximateNumberOfMessages ?? 0,
    );
  const sqsCalls = async () =>
    (await (await fetch(`${base}/bench-sqs-calls`)).json()) as { calls: number; bodies: number };

  const bareRuns: Run[] = [];
  const enqueueRuns: Run[] = [];
  const floorRuns: Run[] = [];
  const ratios: number[] = [];
  const floorRatios: number[] = [];
  let enqueued = 0;
  const calls0 = await sqsCalls();
  for (let round = 0; round < rounds; round++) {
    const bare = await load(`${base}/bare`, seconds);
    const before = await depth();
    const enqueue = await load(`${base}/v1/jobs`, seconds);
    enqueued += (await depth()) - before;
    const floor = await load(`${base}/floor`, seconds);
    bareRuns.push(bare);
    enqueueRuns.push(enqueue);
    floorRuns.push(floor);
    ratios.push(enqueue.rps / bare.rps);
    floorRatios.push(floor.rps / bare.rps);
    console.log(
      `round ${round + 1}: bare ${bare.rps.toFixed(0)} req/s, enqueue ${enqueue.rps.toFixed(0)} req/s (${pct(enqueue.rps / bare.rps)}), floor ${floor.rps.toFixed(0)} req/s (${pct(floor.rps / bare.rps)})`,
    );
  }
  const calls1 = await sqsCalls();
  sqs.destroy();
  const jobsPerCall = (calls1.bodies - calls0.bodies) / Math.max(1, calls1.calls - calls0.calls);
  const bareRead = await load(`${base}/bare-read`, seconds);
  const stub = await load(`${api.info.stubUrl!}/v1/jobs`, seconds);

  const bare = medianRun(bareRuns);
  const enqueue = medianRun(enqueueRuns);
  const floor = medianRun(floorRuns);
  const ratio = median(ratios);
  const floorRatio = median(floorRatios);
  const accepted = enqueueRuns.reduce((s, r) => s + r.ok, 0);
  const row = (name: string, r: Run) =>
    `${name.padEnd(30)} ${r.rps.toFixed(0).padStart(7)} req/s   p50 ${String(r.p50).padStart(4)} ms   p99 ${String(r.p99).padStart(4)} ms   CPU/request: API ${r.apiCpuUsPerReq} us, fauxqs ${r.fauxqsCpuUsPerReq} us, load generator ${r.loadgenCpuUsPerReq} us   (${r.ok} ok)`;
  console.log(row("bare Hono route (median run)", bare));
  console.log(row("bare route reading body", bareRead));
  console.log(row("POST /v1/jobs, no SQS", stub));
  console.log(row("POST /v1/jobs enqueue (median)", enqueue));
  console.log(row("floor: read + SQS send (median)", floor));
  console.log(
    `enqueue / bare throughput, median of ${rounds} rounds: ${pct(ratio)} (goal >= 50%: ${ratio >= 0.5 ? "met" : "NOT met"}); rounds ${ratios.map(pct).join(", ")}`,
  );
  console.log(
    `floor / bare throughput, median of ${rounds} rounds: ${pct(floorRatio)} (rounds ${floorRatios.map(pct).join(", ")}): the bound for any enqueue path that reads the body and sends it to SQS before answering; the enqueue path reaches ${pct(ratio / floorRatio)} of it`,
  );
  console.log(
    `messages on the queue after the rounds: ${enqueued} (202 answers: ${accepted}); jobs per SQS SendMessageBatch call: ${jobsPerCall.toFixed(1)}`,
  );
  console.log(
    `CPU per enqueued job beyond the bare route (median runs): API logic ${stub.apiCpuUsPerReq - bare.apiCpuUsPerReq} us, SQS sends in the API ${enqueue.apiCpuUsPerReq - stub.apiCpuUsPerReq} us, fauxqs ${enqueue.fauxqsCpuUsPerReq} us`,
  );
  console.log(
    JSON.stringify({
      "bench": "api",
      connections,
      seconds,
      rounds,
      warmupSeconds,
      bareRps: Math.round(bare.rps),
      bareP50Ms: bare.p50,
      bareP99Ms: bare.p99,
      enqueueRps: Math.round(enqueue.rps),
      enqueueP50Ms: enqueue.p50,
      enqueueP99Ms: enqueue.p99,
      ratio: Math.round(ratio * 1000) / 1000,
      roundRatios: ratios.map((r) => Math.round(r * 1000) / 1000),
      floorRps: Math.round(floor.rps),
      floorRatio: Math.round(floorRatio * 1000) / 1000,
      floorRoundRatios: floorRatios.map((r) => Math.round(r * 1000) / 1000),
      floorApiCpuUsPerReq: floor.apiCpuUsPerReq,
      goalMet: ratio >= 0.5,
      bareApiCpuUsPerReq: bare.apiCpuUsPerReq,
      enqueueApiCpuUsPerReq: enqueue.apiCpuUsPerReq,
      enqueueFauxqsCpuUsPerReq: enqueue.fauxqsCpuUsPerReq,
      loadgenCpuUsPerReq: bare.loadgenCpuUsPerReq,
      noSqsRps: Math.round(stub.rps),
      noSqsApiCpuUsPerReq: stub.apiCpuUsPerReq,
      enqueuedMessages: enqueued,
      acceptedJobs: accepted,
      jobsPerSqsCall: Math.round(jobsPerCall * 10) / 10,
    }),
  );
} finally {
  await stop(api.child);
  await stop(fauxqs.child);
}
