// Nightly runs: `start` submits a dataset as one batch on a fleet's queue and raises the fleet's minimum so tasks
// start at once; `check` lowers the minimum again once the start is under way and closes finished runs with a
// summary and the diff from the previous run. State lives in the bucket, so any invocation can carry on.
import { BatchStore, SHARED_BATCH_OWNER } from "../../services/batches/index.js";
import type { JobQueue, ObjectStore } from "../../services/core/index.js";
import { FORMAT_VERSION, batchJobId, jobSchema, newBatchId, sendJobs, type Job } from "../../services/jobs/index.js";
import { NightlyConfigError } from "./config.js";
import { loadDataset, type Dataset } from "./dataset.js";
import { type RunState, type StartRun, type NightlyEvent, runStateSchema } from "./events.js";
import { NIGHTLY_ACTIVE_PREFIX, nightlyActiveKey } from "./keys.js";
import type { FleetScaler, FleetTarget, NightlyLog } from "./ports.js";
import { countResults, finishRun, readJson, type FinishRunDeps } from "./finish-run.js";
import type { FinishReason } from "./summary.js";

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

const quiet: NightlyLog = { info() {}, warn() {} };

/** Starts and closes nightly runs. */
export class NightlyRunner {
  readonly #d: NightlyDeps;
  readonly #o: typeof NIGHTLY_DEFAULTS;
  readonly #log: NightlyLog;
  readonly #batches: BatchStore;
  readonly #finisher: FinishRunDeps;

  constructor(deps: NightlyDeps) {
    this.#d = deps;
    this.#o = { ...NIGHTLY_DEFAULTS, ...deps.options };
    this.#log = deps.log ?? quiet;
    this.#batches = new BatchStore(deps.store);
    this.#finisher = { store: deps.store, scaler: deps.scaler, log: this.#log, now: () => this.#now() };
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
    const jobs = this.#jobsOf(input, dataset, batchId, startedAt);
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
    await this.#raiseMinimum(state, target);
    await sendJobs(queue, this.#d.store, jobs, { concurrency: this.#o.sendConcurrency });
    this.#log.info(
      { run: input.name, batchId, fleet: input.fleet, total: jobs.length, startTasks: input.startTasks },
      "nightly run submitted",
    );
    return { batchId, total: jobs.length };
  }

  /** The run's jobs, one per dataset item (seq = the item's position); an item that makes no valid job fails the run. */
  #jobsOf(input: StartRun, dataset: Dataset, batchId: string, startedAt: string): Job[] {
    return dataset.items.map((item, seq) => {
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
  }

  /** Raise the fleet's minimum to the run's `startTasks` (when above its own) so tasks start at once. */
  async #raiseMinimum(state: RunState, target: FleetTarget): Promise<void> {
    if (state.startTasks > target.minTasks) {
      await this.#d.scaler.setMinTasks(target, state.startTasks);
      state.minRaisedAt = this.#now().toISOString();
      await this.#putState(state);
    }
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
    const done = await countResults(this.#d.store, state.batchId);
    const base = { run: state.run, batchId: state.batchId, done, total };
    if (done >= total) return { ...base, finished: await this.#finish(state, "complete") };
    if (now.getTime() - Date.parse(state.startedAt) >= this.#o.emptyQueueGraceMs) {
      const depth = await this.#d.queues[state.fleet]!.depth();
      if (depth.visible + depth.inFlight + depth.delayed === 0)
        return { ...base, finished: await this.#finish(state, "queue_empty") };
    }
    return base;
  }

  #finish(state: RunState, reason: FinishReason): Promise<FinishReason> {
    return finishRun(this.#finisher, state, this.#target(state.fleet), reason);
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
    const json = await readJson(this.#d.store, key);
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

  #now(): Date {
    return (this.#d.now ?? (() => new Date()))();
  }
}
