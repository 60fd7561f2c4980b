// bench/pipeline: what the queue path costs. The same zero-cost jobs (the REPL double, no command or import cost)
// run (a) straight through a ReplPool in this process and (b) through fauxqs + one worker process (SQS receive,
// REPL, result to S3, delete), measured side by side in one run: sequential latency (p50/p99, one job at a time)
// and throughput (a burst of jobs). Throughput is compared at equal concurrency offered to the pool: the worker
// hands the pool at most REPLs (+ prefetch) jobs at once, so the direct runs use as many lanes.
// Goals: the queue path adds <= 25 ms at p50; one worker sustains >= 200 jobs/s.
//   npm run bench -- pipeline [--repls 4] [--latency-jobs 200] [--burst-jobs 1000]
// BENCH_PROFILE=1 writes a CPU profile of each worker process to /tmp/wprof.
import { readFileSync } from "node:fs";
import { loadavg } from "node:os";
import { parseArgs } from "node:util";
import { startFauxqs, type FauxqsServer } from "fauxqs";
import { FORMAT_VERSION, type Job } from "../services/jobs/index.js";
import { ReplPool } from "../services/repl/index.js";
import { createAwsClients, SqsJobQueue } from "../services/aws/index.js";
import { startBenchWorker, type BenchWorker } from "./lib/bench-worker.js";
import { doubleConfig } from "../test/support/double.js";

const { values } = parseArgs({
  options: {
    repls: { type: "string", default: "4" },
    "latency-jobs": { type: "string", default: "200" },
    "burst-jobs": { type: "string", default: "1000" },
  },
});
const REPLS = Number(values.repls);
const LAT_JOBS = Number(values["latency-jobs"]);
const BURST_JOBS = Number(values["burst-jobs"]);
const WARMUP = 50;

const cmdOf = (i: number) => `theorem t${i} : ${i} = ${i} := rfl`;
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
};
const r1 = (x: number) => Math.round(x * 10) / 10;

interface Figures {
  p50Ms: number;
  p99Ms: number;
  jobsPerSecond: number;
  /** CPU of the worker process per job during the burst (queue path only). */
  workerCpuMsPerJob?: number;
  /** CPU of this process (fauxqs server and the sender) per job during the burst (queue path only). */
  fauxqsCpuMsPerJob?: number;
}

/** utime + stime of a process in milliseconds (Linux /proc; clock ticks of 10 ms). */
function procCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

// (a) the pool directly
async function direct(lanesCount: number): Promise<Figures> {
  const pool = new ReplPool(doubleConfig(), { size: REPLS });
  await pool.start();
  try {
    for (let i = 0; i < WARMUP; i++) await pool.run({ cmd: cmdOf(-1 - i) });
    const lat: number[] = [];
    for (let i = 0; i < LAT_JOBS; i++) {
      const t0 = performance.now();
      const o = await pool.run({ cmd: cmdOf(i) });
      if (o.status !== "ok") throw new Error(`direct run failed: ${JSON.stringify(o.error)}`);
      lat.push(performance.now() - t0);
    }
    // Burst: every job submitted at once, the pool queues them (kept below its queue bound).
    let next = 0;
    const t0 = performance.now();
    const lanes = Array.from({ length: Math.min(BURST_JOBS, lanesCount) }, async () => {
      while (next < BURST_JOBS) {
        const i = next++;
        const o = await pool.run({ cmd: cmdOf(100_000 + i) });
        if (o.status !== "ok") throw new Error(`direct burst run failed: ${JSON.stringify(o.error)}`);
      }
    });
    await Promise.all(lanes);
    const seconds = (performance.now() - t0) / 1000;
    return { p50Ms: pct(lat, 50), p99Ms: pct(lat, 99), jobsPerSecond: BURST_JOBS / seconds };
  } finally {
    await pool.close();
  }
}

// (b) fauxqs + one worker process

/** A fresh queue (with its dead-letter queue) on the fauxqs server, and a client of it. */
function createBenchQueue(server: FauxqsServer, name: string) {
  const endpoint = `http://127.0.0.1:${server.port}`;
  const dlq = server.createQueue(`${name}-dlq`);
  const q = server.createQueue(name, {
    attributes: {
      VisibilityTimeout: "60",
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.queueArn, maxReceiveCount: "5" }),
    },
  });
  const aws = createAwsClients({ endpoint, region: "us-east-1" });
  const queue = new SqsJobQueue({ client: aws.sqs, queueUrl: q.queueUrl });
  return { endpoint, queueUrl: q.queueUrl, queue, aws };
}

const benchJob = (prefetch: number, i: number): Job => ({
  v: FORMAT_VERSION,
  id: `j_bench_${prefetch}_${i}`,
  fleet: "bench",
  request: { kind: "command", code: cmdOf(i) },
  timeoutMs: 10_000,
  keep: false,
  submittedAt: new Date().toISOString(),
});

/** Warm up, then send jobs one at a time: each one's time from send to the worker's "job finished" line. */
async function queueLatencies(queue: SqsJobQueue, worker: BenchWorker, prefetch: number): Promise<number[]> {
  const warm = Array.from({ length: WARMUP }, (_, i) => benchJob(prefetch, -1 - i));
  const warmDone = Promise.all(warm.map((j) => worker.finished(j.id)));
  await queue.sendMany(warm.map((j) => JSON.stringify(j)));
  await warmDone;
  const lat: number[] = [];
  for (let i = 0; i < LAT_JOBS; i++) {
    const j = benchJob(prefetch, i);
    const f = worker.finished(j.id);
    const t0 = performance.now();
    await queue.send(JSON.stringify(j));
    lat.push((await f) - t0);
  }
  return lat;
}

/** A burst of jobs sent in chunks of 100: throughput and CPU per job of the worker and of this process. */
async function queueBurst(
  queue: SqsJobQueue,
  worker: BenchWorker,
  prefetch: number,
): Promise<Pick<Figures, "jobsPerSecond" | "workerCpuMsPerJob" | "fauxqsCpuMsPerJob">> {
  const burst = Array.from({ length: BURST_JOBS }, (_, i) => benchJob(prefetch, 100_000 + i));
  const allDone = Promise.all(burst.map((j) => worker.finished(j.id)));
  const cpu0 = procCpuMs(worker.pid);
  const own0 = process.cpuUsage();
  const t0 = performance.now();
  const bodies = burst.map((j) => JSON.stringify(j));
  for (let i = 0; i < bodies.length; i += 100) await queue.sendMany(bodies.slice(i, i + 100));
  const ends = await allDone;
  const seconds = (Math.max(...ends) - t0) / 1000;
  const workerCpuMsPerJob = (procCpuMs(worker.pid) - cpu0) / BURST_JOBS;
  const own = process.cpuUsage(own0);
  const fauxqsCpuMsPerJob = (own.user + own.system) / 1000 / BURST_JOBS;
  return { jobsPerSecond: BURST_JOBS / seconds, workerCpuMsPerJob, fauxqsCpuMsPerJob };
}

/** The queue path's figures: a fresh queue and worker process for this prefetch, stopped afterwards. */
async function queued(server: FauxqsServer, prefetch: number): Promise<Figures> {
  const name = `bench-p${prefetch}`;
  const { endpoint, queueUrl, queue, aws } = createBenchQueue(server, name);
  const worker = startBenchWorker({ endpoint, queueUrl, prefetch, repls: REPLS });
  try {
    await worker.ready;
    const lat = await queueLatencies(queue, worker, prefetch);
    const burst = await queueBurst(queue, worker, prefetch);
    const left = server.inspectQueue(name);
    if ((left?.messages.ready.length ?? 0) + (left?.messages.inflight.length ?? 0) !== 0)
      throw new Error("messages left in the queue");
    return { p50Ms: pct(lat, 50), p99Ms: pct(lat, 99), ...burst };
  } finally {
    try {
      process.kill(-worker.pid, "SIGTERM");
    } catch {
      // gone
    }
    await worker.exited;
    aws.destroy();
  }
}

const d1 = await direct(REPLS);
const d2 = await direct(2 * REPLS);
const server = await startFauxqs({ port: 0, host: "127.0.0.1", logger: false });
server.createBucket("bench-pipeline");
let q1: Figures;
let q2: Figures;
try {
  q1 = await queued(server, 0);
  q2 = await queued(server, REPLS);
} finally {
  await server.stop();
}
const added = q1.p50Ms - d1.p50Ms;
const best = Math.max(q1.jobsPerSecond, q2.jobsPerSecond);
const row = (name: string, f: Figures) =>
  console.log(
    `${name.padEnd(44)}${String(r1(f.p50Ms)).padStart(8)}${String(r1(f.p99Ms)).padStart(9)}${String(Math.round(f.jobsPerSecond)).padStart(9)}`,
  );
console.log(
  `workload: zero-cost commands on the REPL double, ${REPLS} REPLs; latency: ${LAT_JOBS} jobs one at a time; throughput: a burst of ${BURST_JOBS} jobs`,
);
console.log(`${"".padEnd(44)}  p50 ms   p99 ms   jobs/s`);
row(`pool directly, ${REPLS} jobs in flight`, d1);
row(`fauxqs + 1 worker, prefetch 0 (${REPLS} in flight)`, q1);
row(`pool directly, ${2 * REPLS} jobs in flight`, d2);
row(`fauxqs + 1 worker, prefetch ${REPLS} (${2 * REPLS} in flight)`, q2);
console.log(
  `ratio queue/direct, prefetch 0: p50 ${r1(q1.p50Ms / d1.p50Ms)}x, p99 ${r1(q1.p99Ms / d1.p99Ms)}x, throughput ${r1(q1.jobsPerSecond / d1.jobsPerSecond)}x`,
);
console.log(`ratio queue/direct, prefetch ${REPLS}: throughput ${r1(q2.jobsPerSecond / d2.jobsPerSecond)}x`);
console.log(
  `CPU per job during the burst: worker process ${r1(q1.workerCpuMsPerJob!)} ms (prefetch 0) / ${r1(q2.workerCpuMsPerJob!)} ms (prefetch ${REPLS}); ` +
    `fauxqs + sender process ${r1(q1.fauxqsCpuMsPerJob!)} / ${r1(q2.fauxqsCpuMsPerJob!)} ms (2 cores; other load: 1-min load average ${r1(loadavg()[0]!)})`,
);
console.log(`added latency per job at p50: ${r1(added)} ms (goal <= 25 ms: ${added <= 25 ? "met" : "NOT met"})`);
console.log(`one worker: ${Math.round(best)} jobs/s at best (goal >= 200: ${best >= 200 ? "met" : "NOT met"})`);
console.log(
  JSON.stringify({
    "bench": "pipeline",
    repls: REPLS,
    latencyJobs: LAT_JOBS,
    burstJobs: BURST_JOBS,
    directP50Ms: r1(d1.p50Ms),
    directP99Ms: r1(d1.p99Ms),
    queueP50Ms: r1(q1.p50Ms),
    queueP99Ms: r1(q1.p99Ms),
    addedP50Ms: r1(added),
    p50Ratio: r1(q1.p50Ms / d1.p50Ms),
    directJobsPerSecond: Math.round(d1.jobsPerSecond),
    queueJobsPerSecond: Math.round(q1.jobsPerSecond),
    throughputRatio: Math.round((q1.jobsPerSecond / d1.jobsPerSecond) * 100) / 100,
    directJobsPerSecondPrefetch: Math.round(d2.jobsPerSecond),
    queueJobsPerSecondPrefetch: Math.round(q2.jobsPerSecond),
    throughputRatioPrefetch: Math.round((q2.jobsPerSecond / d2.jobsPerSecond) * 100) / 100,
    workerCpuMsPerJob: r1(q1.workerCpuMsPerJob!),
    workerCpuMsPerJobPrefetch: r1(q2.workerCpuMsPerJob!),
    fauxqsCpuMsPerJob: r1(q1.fauxqsCpuMsPerJob!),
    addedLatencyGoalMet: added <= 25,
    throughputGoalMet: best >= 200,
    loadAverage1m: Math.round(loadavg()[0]! * 10) / 10,
  }),
);
