// Test helper: API apps over in-memory fakes or fauxqs, worker-like result writing, and request shortcuts.
import {
  FORMAT_VERSION,
  jobMessageSchema,
  resultKey,
  type JobMessage,
  type JobResult,
} from "../../../services/jobs/index.js";
import type { JobQueue, ObjectStore } from "../../../services/core/index.js";
import { createApp, type ApiDeps } from "../../../functions/api/index.js";
import { MemoryJobQueue, MemoryObjectStore } from "../../support/fakes.js";

/** An app on in-memory fakes, with its queues and store. */
export function memoryApp(overrides: Partial<ApiDeps> & { fleets?: string[] } = {}) {
  const fleets = overrides.fleets ?? ["default"];
  const queues = Object.fromEntries(fleets.map((f) => [f, new MemoryJobQueue()]));
  const store = new MemoryObjectStore();
  const { fleets: _f, ...rest } = overrides;
  const app = createApp({
    queues,
    store,
    auth: { required: false, keys: [] },
    sleep: (ms) => new Promise((r) => setTimeout(r, Math.min(ms, 20))),
    ...rest,
  });
  return { app, queues, store, queue: queues[fleets[0]!]! };
}

/** Total messages in the given queues (visible + in flight + delayed). */
export async function depthOf(queues: Record<string, JobQueue>): Promise<number> {
  let n = 0;
  for (const q of Object.values(queues)) {
    const d = await q.depth();
    n += d.visible + d.inFlight + d.delayed;
  }
  return n;
}

/** Bodies of every message in a memory queue, parsed and checked against the job message format. */
export function messagesOf(queue: MemoryJobQueue): JobMessage[] {
  return queue.snapshot().map((m) => jobMessageSchema.parse(JSON.parse(m.body)));
}

/** Store a result the way the worker does. */
export async function writeResult(
  store: ObjectStore,
  jobId: string,
  fields: Partial<JobResult> = {},
): Promise<JobResult> {
  const now = new Date().toISOString();
  const result: JobResult = {
    v: FORMAT_VERSION,
    jobId,
    fleet: "default",
    status: "ok",
    verdict: "valid",
    response: { env: 0 },
    timings: { submittedAt: now, startedAt: now, finishedAt: now, queuedMs: 1, runMs: 2, reusedChars: 0 },
    attempts: 1,
    worker: "test-worker",
    simulated: true,
    ...fields,
  };
  await store.put(resultKey(jobId), JSON.stringify(result));
  return result;
}

/** JSON request init. */
export function json(body: unknown, headers: Record<string, string> = {}): RequestInit {
  return { method: "POST", body: JSON.stringify(body), headers: { "content-type": "application/json", ...headers } };
}

/** An error body's fields (asserting the shape). */
export async function errorOf(
  res: Response,
): Promise<{ code: string; message: string; field?: string; details?: Record<string, unknown> }> {
  const body = (await res.json()) as {
    error?: { code: string; message: string; field?: string; details?: Record<string, unknown> };
  };
  if (!body.error || typeof body.error.code !== "string" || typeof body.error.message !== "string") {
    throw new Error(`not an error body: ${JSON.stringify(body)}`);
  }
  return body.error;
}

/** A syntactically valid handle. */
export function fakeHandle(kind: "env" | "ps", n = 1): string {
  return `${kind}_${n.toString(16).padStart(32, "0")}`;
}
