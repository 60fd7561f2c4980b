// `leanfleet up` (and `npm start`): the local cluster — fauxqs, the API on 127.0.0.1, workers scaled by backlog.
import type { Command } from "commander";
import { DEFAULT_LOCAL_PORT, FLEET_PATTERN } from "../../functions/api/index.js";
import { UsageError } from "../../services/core/index.js";
import type { LocalCluster, LocalClusterOptions } from "../../services/local-cluster/index.js";
import { watchParent } from "../parent-watch.js";
import type { CliIo } from "../io.js";

/** Options of `up`, as commander parses them. */
interface UpOptions {
  workers: string;
  port: string;
  simulate?: boolean;
  data?: string;
  fleets: string;
  leanVersion?: string;
}

/** What `up` starts, its flags checked. */
interface UpPlan {
  options: LocalClusterOptions & { port: number };
  /** The --workers text, as the start line repeats it. */
  workers: string;
}

/** Parse `MIN..MAX` (or a single number N meaning N..N). */
export function parseWorkers(text: string): { min: number; max: number } {
  const m = /^(\d+)(?:\.\.(\d+))?$/.exec(text.trim());
  if (!m) throw new UsageError(`--workers must be MIN..MAX (e.g. 1..4) or a number, got ${JSON.stringify(text)}`);
  const min = Number(m[1]);
  const max = m[2] === undefined ? min : Number(m[2]);
  if (max < Math.max(1, min)) throw new UsageError(`--workers ${text}: MAX must be >= MIN and >= 1`);
  return { min, max };
}

/** Register `up`. */
export function registerUp(program: Command, io: CliIo): void {
  program
    .command("up")
    .description("run the local cluster: fauxqs (SQS+S3), the API on 127.0.0.1, workers scaled by the backlog rule")
    .option("--workers <MIN..MAX>", "worker processes per fleet", "1..2")
    .option("--port <port>", "API port", String(DEFAULT_LOCAL_PORT))
    .option("--simulate", "run on the REPL double even if Lean is installed (every result is marked simulated)")
    .option("--data <dir>", "keep queues and results in this directory across restarts")
    .option("--fleets <names>", "comma-separated fleet names", "default")
    .option(
      "--lean-version <version>",
      "with the REPL double: the Lean version it reports (its message formats; a fleet restarted with another one is another environment)",
    )
    .action(async (opts: UpOptions) => runUp(await planUp(opts, io), io));
}

/** Check the flags before anything starts: bad flags and a taken port fail at once, with the fix. */
async function planUp(opts: UpOptions, io: CliIo): Promise<UpPlan> {
  const port = Number(opts.port);
  if (opts.leanVersion !== undefined && !/^\d+\.\d+\.\d+(-[\w.-]+)?$/.test(opts.leanVersion))
    throw new UsageError(
      `--lean-version must be a Lean version such as 4.19.0 or 4.20.0-rc2, got ${JSON.stringify(opts.leanVersion)}`,
    );
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new UsageError(`--port must be a TCP port, got ${opts.port}`);
  // Imported here so that other commands do not load fauxqs (and node:sqlite) for nothing.
  const { canListen, portInUseMessage, fleetNameError, ensureWritableDir, doubleVersionEnv } =
    await import("../../services/local-cluster/index.js");
  const fleets = [
    ...new Set(
      opts.fleets
        .split(",")
        .map((f) => f.trim())
        .filter(Boolean),
    ),
  ];
  if (fleets.length === 0)
    throw new UsageError(`--fleets ${JSON.stringify(opts.fleets)}: name at least one fleet, e.g. --fleets default`);
  for (const fleet of fleets) if (!FLEET_PATTERN.test(fleet)) throw new UsageError(fleetNameError("--fleets", fleet));
  const dataDir = opts.data === undefined ? undefined : ensureWritableDir(opts.data, "--data");
  if (port !== 0 && !(await canListen(port))) throw new UsageError(await portInUseMessage(port));
  const options = {
    workers: parseWorkers(opts.workers),
    port,
    ...(opts.simulate ? { simulate: true } : {}),
    ...(dataDir ? { dataDir } : {}),
    fleets,
    ...(opts.leanVersion ? { workerEnv: doubleVersionEnv(opts.leanVersion) } : {}),
    onNotice: (line: string) => io.err(line),
  };
  return { options, workers: opts.workers };
}

/** Stop requests (signals, the parent process gone), taken from the start so one during start-up still stops. */
class StopRequests {
  reason: string | undefined;
  #onStop: (() => void) | undefined;
  readonly #handlers = (["SIGINT", "SIGTERM", "SIGHUP"] as const).map(
    (signal) => [signal, () => this.request(signal)] as const,
  );
  readonly #unwatch: () => void;

  constructor(private readonly io: CliIo) {
    for (const [signal, handler] of this.#handlers) process.on(signal, handler);
    this.#unwatch = watchParent(() => this.request("parent process exited"));
  }

  /** Ask to stop; a second request only says that stopping is under way. */
  request(why: string): void {
    if (this.reason !== undefined) {
      this.io.err(`${why}: already stopping (workers drain first)`);
      return;
    }
    this.reason = why;
    this.#onStop?.();
  }

  /** Resolves at the first stop request. */
  wait(): Promise<void> {
    return new Promise<void>((resolve) => (this.#onStop = resolve));
  }

  /** Stop listening. */
  dispose(): void {
    this.#unwatch();
    for (const [signal, handler] of this.#handlers) process.off(signal, handler);
  }
}

/** Start the cluster, serve until a stop request, then close it (workers drain first). */
async function runUp(plan: UpPlan, io: CliIo): Promise<void> {
  const stop = new StopRequests(io);
  try {
    const cluster = await startCluster(plan);
    if (stop.reason === undefined) {
      announce(cluster, plan, io);
      await stop.wait();
    }
    io.err(`${stop.reason}: stopping the local cluster (workers drain first)...`);
    try {
      await cluster.close();
    } catch (err) {
      io.err(`close failed: ${(err as Error).message}`);
    }
    io.out(`LeanFleet local cluster stopped (${stop.reason}).`);
  } finally {
    stop.dispose();
  }
}

/** Start the local cluster; losing the race for the port between the check and the API's bind says so, with the fix. */
async function startCluster(plan: UpPlan): Promise<LocalCluster> {
  const { startLocalCluster, portInUseMessage } = await import("../../services/local-cluster/index.js");
  try {
    return await startLocalCluster(plan.options);
  } catch (err) {
    if (/EADDRINUSE/.test((err as Error).message)) throw new UsageError(await portInUseMessage(plan.options.port));
    throw err;
  }
}

/** The start lines: where the API is, whether it is simulated, where the logs are and what to try. */
function announce(cluster: LocalCluster, plan: UpPlan, io: CliIo): void {
  io.out(
    `LeanFleet local cluster is up: API ${cluster.endpoint} (fleets ${Object.keys(cluster.fleets).join(", ")}, workers ${plan.workers})`,
  );
  if (cluster.simulated)
    io.out("SIMULATED: workers run the REPL double; results are marked simulated and are not Lean verdicts.");
  io.out(
    `logs: ${cluster.logDir}. Try: leanfleet check Foo.lean | leanfleet eval dataset.jsonl | leanfleet status. Ctrl-C stops.`,
  );
}
