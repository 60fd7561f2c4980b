// HTTP health endpoint of a worker (ECS container health check, local cluster supervisor): REPLs alive, jobs
// running, last receive time. 200 when the worker can take jobs, 503 otherwise.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/** What the health endpoint reports. */
export interface HealthReport {
  status: "ok" | "starting" | "draining" | "unhealthy";
  workerId: string;
  fleet: string;
  simulated: boolean;
  repls: { size: number; alive: number; busy: number; restarts: number };
  jobsRunning: number;
  jobsDone: number;
  /** ISO time of the last completed receive call, or null before the first. */
  lastReceiveAt: string | null;
  taskProtected: boolean;
  uptimeSeconds: number;
}

/** A started health server. */
export interface HealthServer {
  port: number;
  close(): Promise<void>;
}

/** Serve `GET /health` (and `/`) on 127.0.0.1-or-all-interfaces `port` (0: any free port). */
export async function startHealthServer(
  port: number,
  report: () => HealthReport,
  host = "0.0.0.0",
): Promise<HealthServer> {
  const server: Server = createServer((req, res) => {
    if (req.method !== "GET" || (req.url !== "/health" && req.url !== "/")) {
      res.writeHead(404, { "content-type": "application/json" }).end('{"error":"not found: use GET /health"}');
      return;
    }
    const r = report();
    res.writeHead(r.status === "ok" ? 200 : 503, { "content-type": "application/json" }).end(JSON.stringify(r));
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
