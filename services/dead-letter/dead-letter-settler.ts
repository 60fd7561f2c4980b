// Settles messages that reached a fleet's dead-letter queue: each readable job gets its one terminal result
// (`crashed`, code `dead_lettered`, unless a result already exists), every message gets a record (for the
// dead-lettered counts and for inspection), and only then is the message deleted. Nothing accepted is lost.
import { FORMAT_VERSION, deadLetterKey, deadLetterPrefix, resultKey, type JobResult } from "../jobs/index.js";
import { LeanFleetError, type JobQueue, type ObjectStore, type ReceivedMessage } from "../core/index.js";

/** Defaults of {@link DeadLetterSettler}. */
export const DEAD_LETTER_DEFAULTS = {
  /** Bytes of a message body kept in its record. @default 4096 */
  bodyBytesKept: 4096,
  /** Dead-lettered records counted at most per status read (the count is then "at least"). @default 10000 */
  countLimit: 10_000,
} as const;

/** The fields of a job message that name its job (read without trusting the rest of the body). */
export interface DeadJobHeader {
  id: string;
  fleet?: string;
  batchId?: string;
  group?: string;
  submittedAt?: string;
  itemId?: string;
  meta?: unknown;
  claim?: string;
}

/** The job a dead-lettered body names, if it is readable at all (a claim-check pointer names its job too). */
export function deadJobHeader(body: string): DeadJobHeader | null {
  let raw: unknown;
  try {
    raw = JSON.parse(body);
  } catch {
    return null;
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return null;
  const o = raw as Record<string, unknown>;
  if (typeof o.id !== "string" || o.id === "" || o.id.length > 128) return null;
  const str = (k: string) => (typeof o[k] === "string" ? { [k]: o[k] as string } : {});
  return {
    id: o.id,
    ...str("fleet"),
    ...str("batchId"),
    ...str("group"),
    ...str("submittedAt"),
    ...str("itemId"),
    ...str("claim"),
    ...(o.meta !== undefined ? { meta: o.meta } : {}),
  };
}

/** The terminal result of a job whose message went to the dead-letter queue. */
export function deadLetteredResult(
  h: DeadJobHeader,
  fleet: string,
  receiveCount: number,
  now: Date,
  simulated: boolean,
): JobResult {
  const at = now.toISOString();
  const submittedAt = h.submittedAt ?? at;
  const submittedMs = Date.parse(submittedAt);
  return {
    v: FORMAT_VERSION,
    jobId: h.id,
    fleet: h.fleet ?? fleet,
    ...(h.batchId !== undefined ? { batchId: h.batchId } : {}),
    ...(h.group !== undefined ? { group: h.group } : {}),
    ...(h.itemId !== undefined ? { id: h.itemId } : {}),
    ...(h.meta !== undefined ? { meta: h.meta } : {}),
    status: "crashed",
    verdict: "none",
    error: {
      code: "dead_lettered",
      message: `no worker could finish this job: its message was delivered ${receiveCount} time(s) and moved to the dead-letter queue (a worker died while running it each time, or the message could not be read). Check the workers' logs for the job id; resubmit it if it should run.`,
    },
    timings: {
      submittedAt,
      startedAt: at,
      finishedAt: at,
      queuedMs: Number.isFinite(submittedMs) ? Math.max(0, now.getTime() - submittedMs) : 0,
      runMs: 0,
      reusedChars: 0,
    },
    attempts: 0,
    worker: "dead-letter",
    simulated,
  };
}

/** Options of {@link DeadLetterSettler}. */
export interface DeadLetterSettlerOptions {
  /** The fleet whose dead-letter queue this is. */
  fleet: string;
  store: ObjectStore;
  /** The dead-letter queue (only needed by {@link DeadLetterSettler.drainOnce}). */
  queue?: JobQueue;
  /** Results of a simulated fleet say so. @default false */
  simulated?: boolean;
  /** @default () => new Date() */
  now?: () => Date;
}

/** What settling one message did. */
export type Settled = "result" | "had_result" | "unreadable";

/** Settles dead-lettered messages of one fleet. */
export class DeadLetterSettler {
  readonly #o: DeadLetterSettlerOptions;
  constructor(options: DeadLetterSettlerOptions) {
    this.#o = options;
  }

  /**
   * Settle one message: write the job's terminal result (first result wins), then the record. Idempotent: a
   * message settled twice (a retried Lambda batch, a redelivery) leaves the same objects.
   */
  async settle(msg: Pick<ReceivedMessage, "messageId" | "body" | "receiveCount">): Promise<Settled> {
    const { store, fleet } = this.#o;
    const now = (this.#o.now ?? (() => new Date()))();
    const header = deadJobHeader(msg.body);
    let settled: Settled = "unreadable";
    if (header !== null) {
      const written = await store.put(
        resultKey(header.id),
        JSON.stringify(deadLetteredResult(header, fleet, msg.receiveCount, now, this.#o.simulated ?? false)),
        { ifAbsent: true, contentType: "application/json" },
      );
      settled = written ? "result" : "had_result";
    }
    const record = {
      messageId: msg.messageId,
      fleet,
      jobId: header?.id ?? null,
      settled,
      receiveCount: msg.receiveCount,
      at: now.toISOString(),
      body: msg.body.slice(0, DEAD_LETTER_DEFAULTS.bodyBytesKept),
      truncated: msg.body.length > DEAD_LETTER_DEFAULTS.bodyBytesKept,
    };
    await store.put(deadLetterKey(fleet, msg.messageId), JSON.stringify(record), { contentType: "application/json" });
    return settled;
  }

  /** Receive what the dead-letter queue holds now (up to `max`), settle each and delete it. Returns how many. */
  async drainOnce(max = 10, waitSeconds = 0): Promise<number> {
    const queue = this.#o.queue;
    if (queue === undefined)
      throw new LeanFleetError(
        "not_configured",
        "DeadLetterSettler.drainOnce needs the dead-letter queue (options.queue)",
      );
    const got = await queue.receive(max, waitSeconds);
    for (const m of got) {
      await this.settle(m);
      await queue.ack(m.receipt);
    }
    return got.length;
  }
}

/** How many messages of `fleet` were dead-lettered (counted up to `limit`; `atLeast` when the count stopped there). */
export async function countDeadLettered(
  store: ObjectStore,
  fleet: string,
  limit: number = DEAD_LETTER_DEFAULTS.countLimit,
): Promise<{ count: number; atLeast: boolean }> {
  let count = 0;
  let after: string | undefined;
  for (;;) {
    const page = await store.list(deadLetterPrefix(fleet), { ...(after ? { startAfter: after } : {}), limit: 1000 });
    count += page.keys.length;
    if (page.next === undefined || count >= limit) return { count, atLeast: page.next !== undefined };
    after = page.next;
  }
}
