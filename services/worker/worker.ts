// A worker: receive loop + job processor + lease heartbeat + task protection + health endpoint over one REPL set,
// with start() and an idempotent, ordered close(). Built by main.ts from the environment, or by tests with fakes.
import type { Logger } from "pino";
import type { ReplRunner } from "../repl/index.js";
import { FastAuditor } from "../verify/index.js";
import { WORKER_DEFAULTS } from "./config.js";
import { Consumer } from "./consumer.js";
import { startHealthServer, type HealthReport, type HealthServer } from "./health.js";
import { Heartbeat } from "./heartbeat.js";
import { JobProcessor, type JobDisposition } from "./job-processor.js";
import { InterruptedError, type JobQueue, type ObjectStore, type TaskProtection } from "../core/index.js";
import { ProtectionHolder } from "./protection.js";
import { gracefulShutdown } from "./shutdown.js";
import type { VerificationDeps } from "./verification.js";

/** Options of {@link Worker}. */
export interface WorkerOptions {
  queue: JobQueue;
  store: ObjectStore;
  runner: ReplRunner;
  /** The fast audit and the strict stage (see verification.ts). @default - a FastAuditor on `runner`, no strict stage */
  verification?: VerificationDeps;
  protection: TaskProtection;
  logger: Logger;
  fleet: string;
  workerId: string;
  /** The REPL set runs the double: every result says `simulated`. */
  simulated: boolean;
  /** Id of this worker's environment record (services/environment), put on every result. @default - results carry no env */
  env?: string;
  /** Ids of the advisories whose affected environments include this one, put on every result. @default [] */
  advisories?: string[];
  /** Jobs holding a REPL at once. @default - the REPL set's size */
  capacity?: number;
  /** @default 20 */
  pollWaitSeconds?: number;
  /** Messages received beyond the free REPLs (see WORKER_DEFAULTS.prefetch). @default 0 */
  prefetch?: number;
  /** @default 60 */
  visibilitySeconds?: number;
  /** @default 100 */
  drainSeconds?: number;
  /** @default 1 */
  poisonRetryDelaySeconds?: number;
  /**
   * Conditional result write on first deliveries too. Turn off only on fauxqs, where a conditional put costs a HEAD
   * and a message is never delivered twice with receive count 1 (redeliveries stay conditional). @default true
   */
  conditionalFirstWrite?: boolean;
  /** Write the `running/<jobId>` marker once a job has run this long; null: never. @default 1000 */
  markRunningAfterMs?: number | null;
  /** @default 2000 */
  protectionReleaseDelayMs?: number;
  /** Health endpoint port (0: any free port); null: no endpoint. @default null */
  healthPort?: number | null;
  /** Called after each message ends (tests, benches). */
  onDisposition?: (d: JobDisposition, messageId: string) => void;
}

/** One worker process's job machinery. */
export class Worker {
  readonly #o: WorkerOptions;
  readonly #heartbeat: Heartbeat;
  readonly #protection: ProtectionHolder;
  readonly #processor: JobProcessor;
  readonly #consumer: Consumer;
  readonly #running = new Set<Promise<unknown>>();
  readonly #abort = new AbortController();
  readonly #startedAtMs = Date.now();
  readonly #counts = new Map<JobDisposition, number>();
  #health: HealthServer | undefined;
  #closing: Promise<void> | undefined;
  #started = false;
  #lastRestarts = 0;

  constructor(options: WorkerOptions) {
    this.#o = options;
    const logger = options.logger;
    this.#heartbeat = new Heartbeat({
      queue: options.queue,
      visibilitySeconds: options.visibilitySeconds ?? WORKER_DEFAULTS.visibilitySeconds,
      onError: (err) => logger.warn({ err }, "lease extension failed"),
    });
    this.#protection = new ProtectionHolder({
      protection: options.protection,
      releaseDelayMs: options.protectionReleaseDelayMs ?? WORKER_DEFAULTS.protectionReleaseDelayMs,
      renewMs: WORKER_DEFAULTS.protectionRenewMs,
      onError: (err, on) => logger.warn({ err, on }, "task protection call failed"),
    });
    this.#processor = new JobProcessor({
      queue: options.queue,
      store: options.store,
      runner: options.runner,
      verification: options.verification ?? { auditor: new FastAuditor(options.runner), strict: null },
      heartbeat: this.#heartbeat,
      protection: this.#protection,
      logger,
      fleet: options.fleet,
      workerId: options.workerId,
      simulated: options.simulated,
      ...(options.env !== undefined ? { env: options.env } : {}),
      ...(options.advisories && options.advisories.length > 0 ? { advisories: options.advisories } : {}),
      poisonRetryDelaySeconds: options.poisonRetryDelaySeconds ?? WORKER_DEFAULTS.poisonRetryDelaySeconds,
      conditionalFirstWrite: options.conditionalFirstWrite ?? true,
      markRunningAfterMs:
        options.markRunningAfterMs === undefined ? WORKER_DEFAULTS.markRunningAfterMs : options.markRunningAfterMs,
      restartsDelta: () => {
        const now = options.runner.stats().restarts;
        const delta = Math.max(0, now - this.#lastRestarts);
        this.#lastRestarts = now;
        return delta;
      },
    });
    this.#consumer = new Consumer({
      queue: options.queue,
      capacity:
        (options.capacity ?? Math.max(1, options.runner.stats().size)) + (options.prefetch ?? WORKER_DEFAULTS.prefetch),
      waitSeconds: options.pollWaitSeconds ?? WORKER_DEFAULTS.pollWaitSeconds,
      logger,
      handle: (msg, receivedAtMs, freeSlot) => {
        const p = this.#processor.process(msg, { receivedAtMs, freeSlot, shutdown: this.#abort.signal }).then((d) => {
          this.#counts.set(d, (this.#counts.get(d) ?? 0) + 1);
          this.#o.onDisposition?.(d, msg.messageId);
        });
        this.#running.add(p);
        return p.finally(() => this.#running.delete(p));
      },
    });
  }

  /** Start the health endpoint (if any) and the receive loop. */
  async start(): Promise<void> {
    if (this.#started || this.#closing) return;
    this.#started = true;
    this.#lastRestarts = this.#o.runner.stats().restarts;
    if (this.#o.healthPort !== undefined && this.#o.healthPort !== null) {
      this.#health = await startHealthServer(this.#o.healthPort, () => this.health());
    }
    this.#consumer.start();
  }

  /** Port of the health endpoint, if started. */
  get healthPort(): number | undefined {
    return this.#health?.port;
  }

  /** How many messages ended each way so far. */
  counts(): Partial<Record<JobDisposition, number>> {
    return Object.fromEntries(this.#counts);
  }

  /** Current health. */
  health(): HealthReport {
    const repls = this.#o.runner.stats();
    const status = this.#closing
      ? "draining"
      : !this.#started
        ? "starting"
        : repls.alive > 0 || repls.size === 0
          ? "ok"
          : "unhealthy";
    const last = this.#consumer.lastReceiveAtMs;
    let done = 0;
    for (const n of this.#counts.values()) done += n;
    return {
      status,
      workerId: this.#o.workerId,
      fleet: this.#o.fleet,
      simulated: this.#o.simulated,
      repls,
      jobsRunning: this.#running.size,
      jobsDone: done,
      lastReceiveAt: last === undefined ? null : new Date(last).toISOString(),
      taskProtected: this.#protection.held,
      uptimeSeconds: Math.round((Date.now() - this.#startedAtMs) / 1000),
    };
  }

  /** Resolves when no job is running (messages in flight may still arrive later). */
  async idle(): Promise<void> {
    while (this.#running.size > 0) await Promise.allSettled(this.#running);
  }

  /** Ordered shutdown (idempotent): see shutdown.ts. `drainMs` overrides the configured drain budget. */
  close(drainMs?: number): Promise<void> {
    this.#closing ??= gracefulShutdown(
      {
        stopReceiving: () => this.#consumer.stop(),
        running: () => [...this.#running],
        abortJobs: () => this.#abort.abort(new InterruptedError("shutdown drain budget spent")),
        steps: [
          ["leases", () => this.#heartbeat.stopAll()],
          ["task protection", () => this.#protection.close()],
          ["REPL set", () => this.#o.runner.close()],
          ["health endpoint", () => this.#health?.close()],
        ],
      },
      drainMs ?? (this.#o.drainSeconds ?? WORKER_DEFAULTS.drainSeconds) * 1000,
      this.#o.logger,
    );
    return this.#closing;
  }
}
