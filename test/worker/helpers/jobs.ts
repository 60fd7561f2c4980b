// Test helpers: valid jobs, claim-checked messages, and a pino logger whose lines can be read back.
import { Writable } from "node:stream";
import pino, { type Logger } from "pino";
import { encodeJob, FORMAT_VERSION, JOB_DEFAULTS, type Job } from "../../../services/jobs/index.js";
import type { ObjectStore } from "../../../services/core/index.js";

let seq = 0;

/** A valid command job for fleet `test` (fields overridable). */
export function makeJob(overrides: Partial<Job> & { code?: string } = {}): Job {
  const { code = "theorem t : 1 + 1 = 2 := rfl", ...rest } = overrides;
  return {
    v: FORMAT_VERSION,
    id: `j_test_${process.pid}_${++seq}`,
    fleet: "test",
    request: { kind: "command", code },
    timeoutMs: 5000,
    keep: false,
    submittedAt: new Date().toISOString(),
    ...rest,
  };
}

/** The message body for a job, claim-checked to `store` when larger than the threshold (the job codec's encodeJob). */
export async function messageBody(
  job: Job,
  store: ObjectStore,
  thresholdBytes: number = JOB_DEFAULTS.claimCheckThresholdBytes,
): Promise<string> {
  return encodeJob(job, store, thresholdBytes);
}

/** A pino logger writing JSON lines to memory. */
export function memoryLogger(level = "info"): { logger: Logger; lines: () => Array<Record<string, unknown>> } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      chunks.push(String(chunk));
      cb();
    },
  });
  const logger = pino({ level }, stream);
  return {
    logger,
    lines: () =>
      chunks
        .join("")
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}
