// A LeanFleet worker process for the benchmarks that measure the queue path: spawned on a fauxqs queue with simulated
// REPLs (the REPL double), and watched through its JSON log lines (ready, and the time each job finished).
import { spawn } from "node:child_process";
import { once } from "node:events";
import { dirname, join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { WORKER_ENV } from "../../services/worker/index.js";
import { doubleConfig } from "../../test/support/double.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/** One worker process on a queue, watched through its log lines. */
export interface BenchWorker {
  pid: number;
  /** Resolves when the worker logs that it is ready. */
  ready: Promise<void>;
  /** Resolves when the process exited. */
  exited: Promise<unknown>;
  /** Resolves with the time the worker logged job `id` as finished (call before sending the job). */
  finished: (id: string) => Promise<number>;
}

/**
 * Spawn a worker process (`services/worker/main.ts` on simulated REPLs, no health port) in its own process group, on
 * the queue at `queueUrl` of the fauxqs server at `endpoint`. Stop it with `process.kill(-pid, "SIGTERM")`.
 */
export function startBenchWorker({
  endpoint,
  queueUrl,
  prefetch,
  repls,
}: {
  endpoint: string;
  queueUrl: string;
  prefetch: number;
  repls: number;
}): BenchWorker {
  const worker = spawn(
    process.execPath,
    [
      ...(process.env.BENCH_PROFILE ? ["--cpu-prof", "--cpu-prof-dir=/tmp/wprof"] : []),
      "--import",
      "tsx",
      join(root, "services/worker/main.ts"),
    ],
    {
      cwd: root,
      env: {
        ...process.env,
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
        [WORKER_ENV.fleet]: "bench",
        [WORKER_ENV.queueUrl]: queueUrl,
        [WORKER_ENV.bucket]: "bench-pipeline",
        [WORKER_ENV.awsEndpoint]: endpoint,
        [WORKER_ENV.simulate]: "1",
        [WORKER_ENV.replCommand]: JSON.stringify(doubleConfig().argv),
        [WORKER_ENV.replCount]: String(repls),
        [WORKER_ENV.healthPort]: "off",
        [WORKER_ENV.pollWaitSeconds]: "20",
        [WORKER_ENV.drainSeconds]: "5",
        [WORKER_ENV.prefetch]: String(prefetch),
      },
      stdio: ["ignore", "pipe", "inherit"],
      detached: true,
    },
  );
  const done = new Map<string, (t: number) => void>();
  let ready!: () => void;
  const isReady = new Promise<void>((r) => (ready = r));
  createInterface({ input: worker.stdout! }).on("line", (line) => {
    const t = performance.now();
    if (line.includes('"worker ready"')) ready();
    if (!line.includes('"job finished"')) return;
    const { jobId, status } = JSON.parse(line) as { jobId: string; status: string };
    if (status !== "ok") throw new Error(`job ${jobId} ended ${status}`);
    done.get(jobId)?.(t);
  });
  return {
    pid: worker.pid!,
    ready: isReady,
    exited: once(worker, "exit"),
    finished: (id) => new Promise<number>((r) => done.set(id, r)),
  };
}
