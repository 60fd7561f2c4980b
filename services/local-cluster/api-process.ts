// Entry of the local cluster's API process: the API unit's local server (createApp on Node), with task counts for
// `GET /v1/cluster` read from the supervisor's status endpoint. Configured by the API's environment variables.
import { pino } from "pino";
import {
  LOCAL_API_DEFAULTS,
  LOCAL_PORT_ENV,
  localAppFromConfig,
  parseApiConfig,
  serveApi,
} from "../../functions/api/index.js";
import { CLUSTER_STATUS_URL_ENV, HttpClusterStatus } from "./cluster-status.js";

async function main(): Promise<void> {
  const log = pino();
  const statusUrl = process.env[CLUSTER_STATUS_URL_ENV];
  const app = localAppFromConfig(
    parseApiConfig(process.env, { requireKeys: false }),
    statusUrl ? new HttpClusterStatus(statusUrl) : undefined,
  );
  const portText = process.env[LOCAL_PORT_ENV];
  const server = await serveApi(app, {
    port: portText ? Number(portText) : LOCAL_API_DEFAULTS.port,
    host: LOCAL_API_DEFAULTS.host,
  });
  log.info({ url: server.url }, "api ready");
  let closing = false;
  const stop = (why: string) => {
    if (closing) return;
    closing = true;
    log.info({ why }, "closing");
    void server.close().then(() => process.exit(0));
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
  // The supervisor holds stdin: when it dies, the pipe closes and the API goes with it.
  process.stdin.on("end", () => stop("parent exited"));
  process.stdin.on("error", () => stop("parent exited"));
  process.stdin.resume();
}

main().catch((err: unknown) => {
  process.stderr.write(`leanfleet api: ${(err as Error).message}\n`);
  process.exit(1);
});
