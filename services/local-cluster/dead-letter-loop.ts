// The local cluster's dead-letter consumer (the CDK stack's is a Lambda on each dead-letter queue): every fleet's
// dead-letter queue is drained on an interval, each message settled with a terminal result and a record.
import type { Logger } from "pino";
import { DeadLetterSettler } from "../dead-letter/index.js";
import type { JobQueue, ObjectStore } from "../core/index.js";

/** Defaults of {@link startDeadLetterLoop}. */
export const DEAD_LETTER_LOOP_DEFAULTS = {
  /** How often the dead-letter queues are checked. @default 1000 */
  intervalMs: 1000,
} as const;

/** Drain each fleet's dead-letter queue every `intervalMs`; returns a stop function that waits for a pass in progress. */
export function startDeadLetterLoop(
  fleets: Record<string, JobQueue>,
  store: ObjectStore,
  options: { simulated: boolean; logger: Logger; intervalMs?: number },
): () => Promise<void> {
  const settlers = Object.entries(fleets).map(
    ([fleet, queue]) => new DeadLetterSettler({ fleet, queue, store, simulated: options.simulated }),
  );
  let pass: Promise<unknown> = Promise.resolve();
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    pass = Promise.all(
      settlers.map(async (s) => {
        while ((await s.drainOnce(10, 0)) > 0);
      }),
    )
      .catch((err: unknown) => options.logger.error({ err }, "dead-letter pass failed (retried next interval)"))
      .finally(() => (busy = false));
  }, options.intervalMs ?? DEAD_LETTER_LOOP_DEFAULTS.intervalMs);
  return async () => {
    clearInterval(timer);
    await pass;
  };
}
