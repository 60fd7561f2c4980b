// `leanfleet up` (and `npm start`): the local cluster — fauxqs, the API on 127.0.0.1, workers scaled by backlog.
import type { Command } from "commander";
import { DEFAULT_LOCAL_PORT, FLEET_PATTERN } from "../../functions/api/index.js";
import { watchParent } from "../parent-watch.js";

/** Parse `MIN..MAX` (or a single number N meaning N..N). */
export function parseWorkers(text: string): { min: number; max: number } {
  const m = /^(\d+)(?:\.\.(\d+))?$/.exec(text.trim());
  if (!m) throw new Error(`--workers must be MIN..MAX (e.g. 1..4) or a number, got ${JSON.stringify(text)}`);
  const min = Number(m[1]);
  const max = m[2] === undefined ? min : Number(m[2]);
  if (max < Math.max(1, min)) throw new Error(`--workers ${text}: MAX must be >= MIN and >= 1`);
  return { min, max };
}

/** Register `up`. */
export function registerUp(program: Command, io: { out: (s: string) => void; err: (s: string) => void }): void {
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
    .action(
      async (opts: {
        workers: string;
        port: string;
        simulate?: boolean;
        data?: string;
        fleets: string;
        leanVersion?: string;
      }) => {
        const port = Number(opts.port);
        if (opts.leanVersion !== undefined && !/^\d+\.\d+\.\d+(-[\w.-]+)?$/.test(opts.leanVersion))
          throw new Error(
            `--lean-version must be a Lean version such as 4.19.0 or 4.20.0-rc2, got ${JSON.stringify(opts.leanVersion)}`,
          );
        if (!Number.isInteger(port) || port < 0 || port > 65535)
          throw new Error(`--port must be a TCP port, got ${opts.port}`);
        // Imported here so that other commands do not load fauxqs (and node:sqlite) for nothing.
        const { startLocalCluster, canListen, portInUseMessage, fleetNameError, ensureWritableDir } =
          await import("../../services/local-cluster/index.js");
        // Before anything starts: bad flags and a taken port fail at once, with the fix.
        const fleets = [
          ...new Set(
            opts.fleets
              .split(",")
              .map((f) => f.trim())
              .filter(Boolean),
          ),
        ];
        if (fleets.length === 0)
          throw new Error(`--fleets ${JSON.stringify(opts.fleets)}: name at least one fleet, e.g. --fleets default`);
        for (const fleet of fleets) if (!FLEET_PATTERN.test(fleet)) throw new Error(fleetNameError("--fleets", fleet));
        const dataDir = opts.data === undefined ? undefined : ensureWritableDir(opts.data, "--data");
        if (port !== 0 && !(await canListen(port))) throw new Error(await portInUseMessage(port));

        // Stop requests are taken from the start, so a signal during start-up still stops what was started.
        let stopReason: string | undefined;
        let onStop: (() => void) | undefined;
        const requestStop = (why: string) => {
          if (stopReason !== undefined) {
            io.err(`${why}: already stopping (workers drain first)`);
            return;
          }
          stopReason = why;
          onStop?.();
        };
        const signals = ["SIGINT", "SIGTERM", "SIGHUP"] as const;
        const handlers = signals.map((signal) => [signal, () => requestStop(signal)] as const);
        for (const [signal, handler] of handlers) process.on(signal, handler);
        const unwatch = watchParent(() => requestStop("parent process exited"));
        try {
          let cluster;
          try {
            cluster = await startLocalCluster({
              workers: parseWorkers(opts.workers),
              port,
              ...(opts.simulate ? { simulate: true } : {}),
              ...(dataDir ? { dataDir } : {}),
              fleets,
              ...(opts.leanVersion
                ? { workerEnv: { LEANFLEET_DOUBLE_FLAGS: `--lean-version ${opts.leanVersion}` } }
                : {}),
              onNotice: (line) => io.err(line),
            });
          } catch (err) {
            // Lost the race for the port between the check and the API's bind.
            if (/EADDRINUSE/.test((err as Error).message)) throw new Error(await portInUseMessage(port));
            throw err;
          }
          if (stopReason === undefined) {
            io.out(
              `LeanFleet local cluster is up: API ${cluster.endpoint} (fleets ${Object.keys(cluster.fleets).join(", ")}, workers ${opts.workers})`,
            );
            if (cluster.simulated)
              io.out("SIMULATED: workers run the REPL double; results are marked simulated and are not Lean verdicts.");
            io.out(
              `logs: ${cluster.logDir}. Try: leanfleet check Foo.lean | leanfleet eval dataset.jsonl | leanfleet status. Ctrl-C stops.`,
            );
            await new Promise<void>((resolve) => (onStop = resolve));
          }
          io.err(`${stopReason}: stopping the local cluster (workers drain first)...`);
          try {
            await cluster.close();
          } catch (err) {
            io.err(`close failed: ${(err as Error).message}`);
          }
          io.out(`LeanFleet local cluster stopped (${stopReason}).`);
        } finally {
          unwatch();
          for (const [signal, handler] of handlers) process.off(signal, handler);
        }
      },
    );
}
