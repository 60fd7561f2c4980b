// The local cluster's status, as data (process table, task counts, queue depths), served over loopback HTTP so the
// API, a separate OS process, can answer `GET /v1/cluster`; and the ClusterStatus client the API uses for it.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { ClusterStatus, QueueDepth, TaskCounts } from "../core/index.js";
import { LocalClusterError } from "./errors.js";

export type { ClusterStatus, TaskCounts };

/** One worker process in the process table. */
export interface WorkerRow {
  workerId: string;
  pid: number;
  state: "pending" | "running" | "stopping" | "exited";
  startedAt: string;
  healthPort: number | null;
  jobsRunning: number | null;
  jobsDone: number | null;
  replsAlive: number | null;
  replRestarts: number | null;
}

/** One fleet: its queue, its dead-letter queue, its workers. */
export interface FleetStatus {
  fleet: string;
  queueUrl: string;
  dlqUrl: string;
  queue: QueueDepth | null;
  deadLetter: QueueDepth | null;
  /** Messages that reached the dead-letter queue and were settled with a terminal result (null: unknown). */
  deadLettered: { count: number; atLeast: boolean } | null;
  tasks: TaskCounts & { min: number; max: number; replaced: number };
  workers: WorkerRow[];
}

/** Everything the local cluster knows about itself. */
export interface ClusterSnapshot {
  at: string;
  simulated: boolean;
  apiUrl: string | null;
  awsEndpoint: string;
  bucket: string;
  fleets: FleetStatus[];
}

/** Serve `GET /cluster` (the snapshot) and `GET /cluster/tasks/<fleet>` on 127.0.0.1; returns its base URL. */
export async function serveClusterStatus(
  snapshot: () => Promise<ClusterSnapshot>,
): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    const send = (code: number, body: unknown) =>
      res.writeHead(code, { "content-type": "application/json" }).end(JSON.stringify(body));
    const url = req.url ?? "/";
    if (req.method !== "GET" || !url.startsWith("/cluster"))
      return send(404, { error: "use GET /cluster or /cluster/tasks/<fleet>" });
    snapshot().then(
      (s) => {
        const m = /^\/cluster\/tasks\/([^/?]+)/.exec(url);
        if (!m) return send(200, s);
        const fleet = s.fleets.find((f) => f.fleet === decodeURIComponent(m[1]!));
        if (!fleet) return send(404, { error: `no fleet ${JSON.stringify(m[1])}` });
        const { desired, running, pending } = fleet.tasks;
        return send(200, { desired, running, pending });
      },
      (err: unknown) => send(500, { error: (err as Error).message }),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/cluster`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Environment variable that tells the API process where the cluster status is served. */
export const CLUSTER_STATUS_URL_ENV = "LEANFLEET_CLUSTER_STATUS_URL";

/** ClusterStatus read over HTTP from a local cluster's status server. */
export class HttpClusterStatus implements ClusterStatus {
  readonly #url: string;
  constructor(url: string) {
    this.#url = url.replace(/\/$/, "");
  }

  async tasks(fleet: string): Promise<TaskCounts | undefined> {
    const res = await fetch(`${this.#url}/tasks/${encodeURIComponent(fleet)}`, { signal: AbortSignal.timeout(2000) });
    if (res.status === 404) return undefined;
    if (!res.ok) throw new LocalClusterError(`local cluster status answered HTTP ${res.status}`);
    return (await res.json()) as TaskCounts;
  }
}
