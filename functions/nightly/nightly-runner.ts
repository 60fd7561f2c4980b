// Nightly runs: `start` submits a dataset as one batch on a fleet's queue and raises the fleet's minimum so tasks
// start at once; `check` lowers the minimum again once the start is under way and closes finished runs with a
// summary and the diff from the previous run. State lives in the bucket, so any invocation can carry on.
import { LeanFleetError } from "../../services/core/index.js";
import { BatchStore, listBatchResults, readResultTexts, SHARED_BATCH_OWNER } from "../../services/batches/index.js";
import {
  FORMAT_VERSION,
  batchJobId,
  jobSchema,
  newBatchId,
  resultSchema,
  sendJobs,
  type Job,
  type JobResult,
} from "../../services/jobs/index.js";
import type { JobQueue, ObjectStore } from "../../services/core/index.js";
import { loadDataset } from "./dataset.js";
import { generateReport, readBatchResults, type ReportResult } from "../../services/report/index.js";
import {
  NIGHTLY_ACTIVE_PREFIX,
  nightlyActiveKey,
  nightlyLatestKey,
  runReportKey,
  runSummaryKey,
  runVerdictsKey,
} from "./keys.js";
import { type RunState, type StartRun, type NightlyEvent, runStateSchema } from "./events.js";
import type { FleetScaler, FleetTarget } from "./ports.js";
import { type FinishReason, type RunOutcomes, type RunSummary, diffRuns, outcomesOf, summarizeRun } from "./summary.js";

/** Defaults of the runner. */
export const NIGHTLY_DEFAULTS = {
  /** Milliseconds after raising the minimum before a check lowers it again (the desired count is set by then). @default 60000 */
  lowerMinAfterMs: 60_000,
  /** A run whose queue is empty for this long after its start is closed, its missing items counted. @default 120000 */
  emptyQueueGraceMs: 120_000,
  /** Concurrent `sendMany` calls (each sends JOB_CODEC_DEFAULTS.sendChunk jobs). @default 4 */
  sendConcurrency: 4,
  /** Owner recorded in the batch manifest; the shared owner lets every API key read nightly batches. @default "nightly" */
  owner: SHARED_BATCH_OWNER,
} as const;

/** A pino-compatible logger. */
export interface NightlyLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

/** What the runner works with. */
export interface NightlyDeps {
  store: ObjectStore;
  /** Job queue per fleet name. */
  queues: Record<string, JobQueue>;
  /** ECS service per fleet name. */
  fleets: Record<string, FleetTarget>;
  scaler: FleetScaler;
  /** Clock. @default () => new Date() */
  now?: () => Date;
  /** Batch id factory. @default newBatchId */
  newBatchId?: () => string;
  log?: NightlyLog;
  options?: Partial<typeof NIGHTLY_DEFAULTS>;
}

/** What a check found for one active run. */
export interface RunCheck {
  run: string;
  batchId: string;
  done: number;
  total: number;
  /** Set when this check closed the run. */
  finished?: FinishReason;
}

/** The runner was configured for a fleet it does not know; names the fleet and the fix. */
export class NightlyConfigError extends LeanFleetError {
  constructor(message: string, options?: ErrorOptions) {
    super("nightly_config", message, {}, options);
  }
}

const quiet: NightlyLog = { info() {}, warn() {} };

/** Starts and closes nightly runs. */
export class NightlyRunner {
  readonly #d: NightlyDeps;
  readonly #o: typeof NIGHTLY_DEFAULTS;
  readonly #log: NightlyLog;
  readonly #batches: BatchStore;

  constructor(deps: NightlyDeps) {
    this.#d = deps;
    this.#o = { ...NIGHTLY_DEFAULTS, ...deps.options };
    this.#log = deps.log ?? quiet;
    this.#batches = new BatchStore(deps.store);
  }

  /** Handle one event of the function. */
  async handle(
    event: NightlyEvent,
  ): Promise<{ started?: { batchId: string; total: number } | { skipped: string }; checked?: RunCheck[] }> {
    if (event.action === "start") return { started: await this.start(event.run) };
    return { checked: await this.check() };
  }

  /**
   * Start a run: close a still-active previous run of the same name, load the dataset, write the batch manifest
   * and the run state, raise the fleet's minimum to `startTasks`, then enqueue every item.
   */
  async start(input: StartRun): Promise<{ batchId: string; total: number } | { skipped: string }> {
    const target = this.#target(input.fleet);
    const queue = this.#d.queues[input.fleet]!;
    const previous = await this.#state(input.name);
    if (previous) {
      const c = await this.#checkRun(previous);
      if (!c.finished) await this.#finish(previous, "superseded");
    }
    const dataset = await loadDataset(this.#d.store, input.manifestKey);
    const batchId = (this.#d.newBatchId ?? newBatchId)();
    const startedAt = this.#now().toISOString();
    const jobs: Job[] = dataset.items.map((item, seq) => {
      const job = {
        v: FORMAT_VERSION,
        id: batchJobId(batchId, seq),
        fleet: input.fleet,
        request: item.request,
        timeoutMs: item.timeoutMs,
        keep: false,
        batchId,
        ...(item.group === undefined ? {} : { group: item.group }),
        submittedAt: startedAt,
        itemId: item.id,
        ...item.verify,
      };
      const r = jobSchema.safeParse(job);
      if (!r.success)
        throw new NightlyConfigError(
          `item "${item.id}" of ${input.manifestKey} does not make a valid job: ${r.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`,
        );
      return r.data;
    });
    await this.#batches.create({
      v: FORMAT_VERSION,
      batchId,
      fleet: input.fleet,
      earlyStop: false,
      createdAt: startedAt,
      owner: this.#o.owner,
      total: jobs.length,
    });
    const state: RunState = {
      v: 1,
      run: input.name,
      fleet: input.fleet,
      dataset: dataset.name,
      manifestKey: input.manifestKey,
      batchId,
      startedAt,
      startTasks: input.startTasks,
      itemIds: dataset.items.map((i) => i.id),
    };
    // A conditional put: of two overlapping starts of the same run, only one proceeds.
    if (!(await this.#d.store.put(nightlyActiveKey(input.name), JSON.stringify(state), { ifAbsent: true }))) {
      this.#log.warn({ run: input.name }, "another invocation started this run just now; skipping");
      return { skipped: "already started" };
    }
    if (input.startTasks > target.minTasks) {
      await this.#d.scaler.setMinTasks(target, input.startTasks);
      state.minRaisedAt = this.#now().toISOString();
      await this.#putState(state);
    }
    await sendJobs(queue, this.#d.store, jobs, { concurrency: this.#o.sendConcurrency });
    this.#log.info(
      { run: input.name, batchId, fleet: input.fleet, total: jobs.length, startTasks: input.startTasks },
      "nightly run submitted",
    );
    return { batchId, total: jobs.length };
  }

  /** Check every active run: lower raised minimums, close runs that are done. */
  async check(): Promise<RunCheck[]> {
    const out: RunCheck[] = [];
    let startAfter: string | undefined;
    for (;;) {
      const page = await this.#d.store.list(NIGHTLY_ACTIVE_PREFIX, startAfter === undefined ? {} : { startAfter });
      for (const key of page.keys) {
        const state = await this.#readState(key);
        if (state) out.push(await this.#checkRun(state));
      }
      if (page.next === undefined) break;
      startAfter = page.next;
    }
    return out;
  }

  async #checkRun(state: RunState): Promise<RunCheck> {
    const now = this.#now();
    const target = this.#target(state.fleet);
    if (
      state.minRaisedAt &&
      !state.minLoweredAt &&
      now.getTime() - Date.parse(state.minRaisedAt) >= this.#o.lowerMinAfterMs
    ) {
      // By now the desired count is up; the backlog policies keep it while work is visible, and scale in (under
      // task protection) once it is not, so the fleet need not be held up until the very end.
      await this.#d.scaler.setMinTasks(target, target.minTasks);
      state.minLoweredAt = now.toISOString();
      await this.#putState(state);
    }
    const total = state.itemIds.length;
    const done = await this.#countResults(state.batchId);
    const base = { run: state.run, batchId: state.batchId, done, total };
    if (done >= total) return { ...base, finished: await this.#finish(state, "complete") };
    if (now.getTime() - Date.parse(state.startedAt) >= this.#o.emptyQueueGraceMs) {
      const depth = await this.#d.queues[state.fleet]!.depth();
      if (depth.visible + depth.inFlight + depth.delayed === 0)
        return { ...base, finished: await this.#finish(state, "queue_empty") };
    }
    return base;
  }

  async #finish(state: RunState, reason: FinishReason): Promise<FinishReason> {
    const target = this.#target(state.fleet);
    if (state.minRaisedAt && !state.minLoweredAt) await this.#d.scaler.setMinTasks(target, target.minTasks);
    const results = await this.#readResults(state.batchId);
    const outcomes = outcomesOf(state.itemIds, results);
    const latest = await this.#getJson(nightlyLatestKey(state.run));
    const prevBatch =
      typeof latest?.batchId === "string" && latest.batchId !== state.batchId ? latest.batchId : undefined;
    const previous = prevBatch
      ? ((await this.#getJson(runVerdictsKey(prevBatch))) as RunOutcomes | undefined)
      : undefined;
    const summary: RunSummary = summarizeRun({
      run: state.run,
      fleet: state.fleet,
      dataset: state.dataset,
      batchId: state.batchId,
      startedAt: state.startedAt,
      finishedAt: this.#now().toISOString(),
      finishedBecause: reason,
      outcomes,
      simulated: [...results.values()].some((r) => r.simulated),
      diff: diffRuns(previous, outcomes, previous ? prevBatch! : null),
    });
    await this.#d.store.put(runVerdictsKey(state.batchId), JSON.stringify(outcomes));
    await this.#d.store.put(runSummaryKey(state.batchId), JSON.stringify(summary, null, 2));
    await this.#writeReport(state, results, prevBatch);
    await this.#d.store.put(
      nightlyLatestKey(state.run),
      JSON.stringify({
        batchId: state.batchId,
        finishedAt: summary.finishedAt,
        summaryKey: runSummaryKey(state.batchId),
      }),
    );
    await this.#d.store.delete(nightlyActiveKey(state.run));
    this.#log.info(
      {
        run: state.run,
        batchId: state.batchId,
        reason,
        total: summary.total,
        valid: summary.valid,
        missing: summary.missing,
        ...summary.diff.counts,
        simulated: summary.simulated,
      },
      "nightly run finished",
    );
    return reason;
  }

  /**
   * The run's HTML report next to its summary, against the previous run. Problems without a group are named by the
   * result's `id`, else by the dataset item id at the same position (a baseline run of an unchanged dataset matches).
   * A report that cannot be written is logged; it never fails the run.
   */
  async #writeReport(
    state: RunState,
    results: ReadonlyMap<number, JobResult>,
    prevBatch: string | undefined,
  ): Promise<void> {
    try {
      const named = (r: ReportResult, seq: number): ReportResult => ({
        ...r,
        index: seq,
        ...(r.id === undefined && state.itemIds[seq] !== undefined ? { id: state.itemIds[seq] } : {}),
      });
      const current = [...results.entries()].sort((a, b) => a[0] - b[0]).map(([seq, r]) => named(r, seq));
      const baseline =
        prevBatch === undefined
          ? undefined
          : (await readBatchResults(this.#d.store, prevBatch)).map((r) => named(r, r.index ?? -1));
      const html = generateReport({
        title: `LeanFleet nightly: ${state.run} (${state.dataset})`,
        run: { results: current, source: `batch ${state.batchId}` },
        ...(baseline && baseline.length > 0 ? { baseline: { results: baseline, source: `batch ${prevBatch}` } } : {}),
      });
      await this.#d.store.put(runReportKey(state.batchId), html, { contentType: "text/html; charset=utf-8" });
    } catch (err) {
      this.#log.warn(
        { run: state.run, batchId: state.batchId, error: (err as Error).message },
        "run report not written",
      );
    }
  }

  async #countResults(batchId: string): Promise<number> {
    let n = 0;
    await listBatchResults(this.#d.store, batchId, -1, () => (n++, true));
    return n;
  }

  async #readResults(batchId: string): Promise<Map<number, JobResult>> {
    const refs: { seq: number; key: string }[] = [];
    await listBatchResults(this.#d.store, batchId, -1, (ref) => (refs.push(ref), true));
    const texts = await readResultTexts(this.#d.store, refs);
    const out = new Map<number, JobResult>();
    texts.forEach((text, i) => {
      if (text === undefined) return;
      try {
        const r = resultSchema.safeParse(JSON.parse(text));
        if (r.success) out.set(refs[i]!.seq, r.data);
        else this.#log.warn({ key: refs[i]!.key }, "unreadable result skipped");
      } catch {
        this.#log.warn({ key: refs[i]!.key }, "result is not JSON; skipped");
      }
    });
    return out;
  }

  #target(fleet: string): FleetTarget {
    const t = this.#d.fleets[fleet];
    if (!t || !this.#d.queues[fleet]) {
      throw new NightlyConfigError(
        `fleet "${fleet}" is not configured for nightly runs (known: ${Object.keys(this.#d.fleets).join(", ") || "none"}); add it to the run's fleet in the deployment config`,
      );
    }
    return t;
  }

  async #state(run: string): Promise<RunState | undefined> {
    return this.#readState(nightlyActiveKey(run));
  }

  async #readState(key: string): Promise<RunState | undefined> {
    const json = await this.#getJson(key);
    if (json === undefined) return undefined;
    const r = runStateSchema.safeParse(json);
    if (!r.success) {
      this.#log.warn({ key }, "unreadable run state ignored");
      return undefined;
    }
    return r.data;
  }

  async #putState(state: RunState): Promise<void> {
    await this.#d.store.put(nightlyActiveKey(state.run), JSON.stringify(state));
  }

  async #getJson(key: string): Promise<Record<string, unknown> | undefined> {
    const text = await this.#d.store.get(key);
    if (text === undefined) return undefined;
    try {
      return JSON.parse(text) as Record<string, unknown>;
    } catch {
      return undefined;
    }
  }

  #now(): Date {
    return (this.#d.now ?? (() => new Date()))();
  }
}
