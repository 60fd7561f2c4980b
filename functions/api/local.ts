// Node entry of the API for the local cluster: serves createApp with @hono/node-server on 127.0.0.1 (keys optional),
// deps from the same environment variables as Lambda plus LEANFLEET_AWS_ENDPOINT (fauxqs). Run directly:
// `tsx functions/api/local.ts [--port N] [--host H]`; closes gracefully on SIGTERM / SIGINT.
import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import { parseArgs } from "node:util";
import { pathToFileURL } from "node:url";
import { serve } from "@hono/node-server";
import { nodeBodyReader } from "./node-body.js";
import type { Hono } from "hono";
import { pino } from "pino";
import { storageFromConfig } from "./aws-deps.js";
import { createApp } from "./app.js";
import { ApiConfigError, parseApiConfig, type ApiConfig } from "./config.js";
import type { ClusterStatus } from "./deps.js";
import type { ApiEnv } from "./env.js";

/** TCP port of the local API when none is given; the CLI's default endpoint is `http://127.0.0.1:<this>`. */
export const DEFAULT_LOCAL_PORT = 8787;

/** Defaults of the local API server. */
export const LOCAL_API_DEFAULTS = {
  /** Loopback only: the local API may run without keys. @default "127.0.0.1" */
  host: "127.0.0.1",
  /** @default 8787 */
  port: DEFAULT_LOCAL_PORT,
  /** Time given to open connections at close before they are cut, in milliseconds. @default 2000 */
  closeGraceMs: 2000,
} as const;

/** Per-key limits of the local API when the environment sets none: one user on loopback, so generous. */
export const LOCAL_KEY_LIMITS = {
  /** @default 1000 */
  requestsPerSecond: 1000,
  /** @default 2000 */
  burst: 2000,
} as const;

/** Environment variable naming the local API's port (the --port flag wins). */
export const LOCAL_PORT_ENV = "LEANFLEET_API_PORT";

/** A running local API server. */
export interface ApiServer {
  /** Base URL, e.g. `http://127.0.0.1:8787`. */
  url: string;
  port: number;
  /** Stop accepting connections, let open requests finish within the grace period, then cut the rest. Idempotent. */
  close(): Promise<void>;
}

/** Serve a Hono app on Node; port 0 picks a free port. */
export async function serveApi(
  app: Hono<ApiEnv>,
  options: { port?: number; host?: string; closeGraceMs?: number } = {},
): Promise<ApiServer> {
  const host = options.host ?? LOCAL_API_DEFAULTS.host;
  const server = await new Promise<Server>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, port: options.port ?? LOCAL_API_DEFAULTS.port, hostname: host }, () =>
      resolve(s as Server),
    ) as Server;
    s.once("error", reject);
  });
  const port = (server.address() as AddressInfo).port;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${host.includes(":") ? `[${host}]` : host}:${port}`,
    port,
    close() {
      closing ??= new Promise<void>((resolve) => {
        const timer = setTimeout(
          () => server.closeAllConnections(),
          options.closeGraceMs ?? LOCAL_API_DEFAULTS.closeGraceMs,
        );
        timer.unref();
        server.close(() => {
          clearTimeout(timer);
          resolve();
        });
        server.closeIdleConnections();
      });
      return closing;
    },
  };
}

/** The app for a parsed configuration, on a local endpoint (fauxqs) when the config names one. */
export function localAppFromConfig(config: ApiConfig, cluster?: ClusterStatus): Hono<ApiEnv> {
  const log = pino({ level: config.logLevel });
  const { queues, store } = storageFromConfig(config);
  return createApp(
    {
      queues,
      store,
      ...(cluster ? { cluster } : {}),
      ...(config.defaultFleet ? { defaultFleet: config.defaultFleet } : {}),
      auth: { required: config.keys.length > 0, keys: config.keys },
      limits: { ...config.limits, keyLimits: { ...LOCAL_KEY_LIMITS, ...config.keyLimits } },
      simulated: config.simulated,
      bodyReader: nodeBodyReader,
    },
    log,
  );
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { port: { type: "string" }, host: { type: "string" } } });
  const portText = values.port ?? process.env[LOCAL_PORT_ENV];
  const port = portText === undefined || portText === "" ? LOCAL_API_DEFAULTS.port : Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new ApiConfigError(
      `--port / ${LOCAL_PORT_ENV} must be a TCP port (0-65535), got ${JSON.stringify(portText)}`,
    );
  const app = localAppFromConfig(parseApiConfig(process.env, { requireKeys: false }));
  const server = await serveApi(app, { port, host: values.host ?? LOCAL_API_DEFAULTS.host });
  const log = pino();
  log.info({ url: server.url }, "LeanFleet API listening");
  const stop = (signal: string) => {
    log.info({ signal }, "closing");
    void server.close().then(() => process.exit(0));
  };
  process.once("SIGTERM", () => stop("SIGTERM"));
  process.once("SIGINT", () => stop("SIGINT"));
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: unknown) => {
    console.error(`leanfleet api: ${(err as Error).message}`);
    process.exit(1);
  });
}
