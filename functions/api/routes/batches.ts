// POST /v1/batches (create or append), GET /v1/batches/:id (progress), GET /v1/batches/:id/results (JSON Lines pages
// resumable with a cursor), GET /v1/batches/:id/report (the run's HTML report).
import { Hono, type Context } from "hono";
import type { z } from "zod";
import {
  listBatchResults,
  ResultCursor,
  readResultTexts,
  SHARED_BATCH_OWNER,
  type BatchManifest,
  type ResultRef,
  type BatchPart,
} from "../../../services/batches/index.js";
import { InternalError, type JobQueue } from "../../../services/core/index.js";
import { batchJobId, FORMAT_VERSION, type Job } from "../../../services/jobs/index.js";
import { batchReport } from "../../../services/report/index.js";
import type { ApiContext } from "../api-context.js";
import { API_DEFAULTS } from "../deps.js";
import type { ApiEnv } from "../env.js";
import { BadRequestError, ConflictError, NotFoundError, PartialEnqueueFailure } from "../errors.js";
import { PartialEnqueueError } from "../enqueue.js";
import { readBatchItems } from "../batch-intake.js";
import { buildJob } from "../job-factory.js";
import type { Principal } from "../limits.js";
import { bodySize } from "../middleware/body-size.js";
import {
  BATCH_ID_PATTERN,
  batchReportQuerySchema,
  batchResultsQuerySchema,
  batchSubmitQuerySchema,
  emptyQuerySchema,
} from "../schemas.js";
import { parseQuery } from "../validation.js";

function checkBatchId(id: string): void {
  if (!BATCH_ID_PATTERN.test(id)) {
    throw new BadRequestError(
      "id",
      `${JSON.stringify(id.slice(0, 100))} is not a batch id; pass the batchId returned by POST /v1/batches ("b_" + UUID)`,
      "invalid_id",
    );
  }
}

/** The batch's manifest if `owner` may use it: its own batches, and shared (nightly) batches for reading only. */
async function ownedManifest(
  ctx: ApiContext,
  batchId: string,
  owner: string,
  access: "read" | "append" = "read",
): Promise<BatchManifest> {
  const manifest = await ctx.batches.manifest(batchId);
  const shared = manifest?.owner === SHARED_BATCH_OWNER && access === "read";
  if (manifest === undefined || (manifest.owner !== owner && !shared)) throw new NotFoundError("batch", batchId);
  return manifest;
}

type BatchSubmitQuery = z.infer<typeof batchSubmitQuerySchema>;

/** The manifest a POST writes to: the batch appended to (its settings must agree), or a new one (not yet stored). */
async function submitManifest(ctx: ApiContext, q: BatchSubmitQuery, owner: string, at: string): Promise<BatchManifest> {
  if (q.batchId !== undefined) {
    const manifest = await ownedManifest(ctx, q.batchId, owner, "append");
    if (q.fleet !== undefined && q.fleet !== manifest.fleet) {
      throw new ConflictError(
        "fleet",
        `batch ${q.batchId} runs on fleet ${JSON.stringify(manifest.fleet)}; omit fleet when appending or start a new batch`,
      );
    }
    if (q.earlyStop !== undefined && q.earlyStop !== manifest.earlyStop) {
      throw new ConflictError(
        "earlyStop",
        `batch ${q.batchId} was created with earlyStop=${manifest.earlyStop}; omit earlyStop when appending`,
      );
    }
    ctx.queueOf(manifest.fleet, "fleet");
    return manifest;
  }
  const { fleet } = ctx.queueOf(q.fleet, "fleet");
  return { v: FORMAT_VERSION, batchId: ctx.newBatchId(), fleet, earlyStop: q.earlyStop ?? false, createdAt: at, owner };
}

/** Send the call's jobs; on failure keep the batch's records to the seqs that were sent, then answer partial_enqueue. */
async function enqueuePart(
  ctx: ApiContext,
  principal: Principal,
  target: { manifest: BatchManifest; part: BatchPart; fleet: string; queue: JobQueue },
  jobs: Job[],
): Promise<void> {
  const { manifest, part, fleet, queue } = target;
  try {
    await ctx.enqueuer.submitMany(queue, jobs, part.start);
  } catch (err) {
    const sent = err instanceof PartialEnqueueError ? err.sent : [];
    await ctx.batches.truncate(manifest.batchId, part, sent).catch(() => undefined);
    const n = sent.reduce((k, s) => k + s.to - s.from + 1, 0);
    ctx.queued.record(principal, fleet, n);
    throw new PartialEnqueueFailure(
      manifest.batchId,
      part.start,
      jobs.length,
      sent,
      err instanceof PartialEnqueueError ? err.cause : err,
    );
  }
  ctx.queued.record(principal, fleet, jobs.length);
}

/** POST /v1/batches: create a batch or append to one. */
async function submitBatch(ctx: ApiContext, c: Context<ApiEnv>): Promise<Response> {
  const q = parseQuery(c, batchSubmitQuerySchema);
  const items = await readBatchItems(c, ctx.limits.maxBatchBodyBytes, ctx.limits.maxBatchItems, ctx.bodyReader);
  const principal = c.get("principal");
  const at = new Date(ctx.now()).toISOString();
  const manifest = await submitManifest(ctx, q, principal.id, at);
  const { queue, fleet } = ctx.queueOf(manifest.fleet, "fleet");
  await ctx.queued.admit(principal, items.length);
  if (q.batchId === undefined && !(await ctx.batches.create(manifest))) {
    throw new InternalError(`batch id ${manifest.batchId} already exists (id generator collision)`, {
      batchId: manifest.batchId,
    });
  }

  const part = await ctx.batches.reserve(manifest.batchId, items.length, at);
  const jobs = items.map((item, i) =>
    buildJob(item, {
      id: batchJobId(manifest.batchId, part.start + i),
      fleet,
      submittedAt: at,
      batchId: manifest.batchId,
      ...(item.group === undefined ? {} : { group: item.group }),
      earlyStop: manifest.earlyStop,
      defaults: {
        ...(q.verify ? { verify: q.verify } : {}),
        ...(q.permittedAxioms ? { permittedAxioms: q.permittedAxioms } : {}),
      },
    }),
  );
  await enqueuePart(ctx, principal, { manifest, part, fleet, queue }, jobs);
  c.header("Location", `/v1/batches/${manifest.batchId}`);
  return c.json(
    {
      batchId: manifest.batchId,
      fleet,
      earlyStop: manifest.earlyStop,
      accepted: items.length,
      firstSeq: part.start,
      lastSeq: part.start + items.length - 1,
    },
    202,
  );
}

/** GET /v1/batches/:id: the batch's progress. */
async function batchProgress(ctx: ApiContext, c: Context<ApiEnv, "/:id">): Promise<Response> {
  parseQuery(c, emptyQuerySchema);
  const id = c.req.param("id");
  checkBatchId(id);
  const manifest = await ownedManifest(ctx, id, c.get("principal").id);
  const extent = await ctx.batches.extent(id, manifest);
  return c.json(await ctx.progress.progress(manifest, extent), 200);
}

/** One page of results after `cursor`: their JSON Lines, the cursor past them, and whether more are stored. */
async function resultPage(
  ctx: ApiContext,
  id: string,
  cursor: ResultCursor,
  extent: { span: number },
  limit: number,
): Promise<{ lines: string[]; next: ResultCursor; more: boolean }> {
  const refs: ResultRef[] = [];
  let more = false;
  await listBatchResults(ctx.store, id, cursor.watermark, (ref) => {
    if (ref.seq >= extent.span || cursor.has(ref.seq)) return true;
    if (refs.length === limit) {
      more = true;
      return false;
    }
    refs.push(ref);
    return true;
  });
  const texts = await readResultTexts(ctx.store, refs);
  const lines: string[] = [];
  let bytes = 0;
  const next = cursor.clone();
  for (let i = 0; i < refs.length; i++) {
    const t = texts[i];
    if (t === undefined) continue;
    const line = t.includes("\n") ? JSON.stringify(JSON.parse(t)) : t;
    const size = Buffer.byteLength(line) + 1;
    if (lines.length > 0 && bytes + size > ctx.limits.maxResultsPageBytes) {
      more = true;
      break;
    }
    lines.push(line);
    bytes += size;
    next.add(refs[i]!.seq);
  }
  return { lines, next, more };
}

/** GET /v1/batches/:id/results: JSON Lines pages resumable with a cursor, waiting up to ?wait for a new result. */
async function batchResults(ctx: ApiContext, c: Context<ApiEnv, "/:id/results">): Promise<Response> {
  const query = parseQuery(c, batchResultsQuerySchema);
  const id = c.req.param("id");
  checkBatchId(id);
  const cursor = ResultCursor.parse(query.cursor);
  const limit = query.limit ?? ctx.limits.maxResultsPerPage;
  if (limit > ctx.limits.maxResultsPerPage)
    throw new BadRequestError("limit", `must be at most ${ctx.limits.maxResultsPerPage}`);
  if (query.wait !== undefined && query.wait > ctx.limits.maxWaitSeconds) {
    throw new BadRequestError("wait", `must be at most ${ctx.limits.maxWaitSeconds} seconds here`);
  }
  const manifest = await ownedManifest(ctx, id, c.get("principal").id);
  const deadline = ctx.now() + (query.wait ?? 0) * 1000;
  let delay: number = API_DEFAULTS.waitPollStartMs;
  for (;;) {
    const extent = await ctx.batches.extent(id, manifest);
    for (const h of extent.holes) cursor.addRange(h.from, h.to);
    const { lines, next, more } = await resultPage(ctx, id, cursor, extent, limit);
    const complete = extent.span > 0 && next.covers(extent.span);
    if (lines.length === 0 && !complete && ctx.now() < deadline) {
      await ctx.sleep(Math.min(delay, deadline - ctx.now()));
      delay = Math.min(API_DEFAULTS.waitPollMaxMs, delay * 2);
      continue;
    }
    c.header("Content-Type", "application/x-ndjson; charset=utf-8");
    c.header("LeanFleet-Cursor", next.toString());
    c.header("LeanFleet-Complete", String(complete));
    c.header("LeanFleet-More", String(more));
    c.header("LeanFleet-Total", String(extent.total));
    return c.body(lines.length ? lines.join("\n") + "\n" : "", 200);
  }
}

/** GET /v1/batches/:id/report: the report of the results stored so far (a running batch gets a partial report). */
async function batchReportPage(ctx: ApiContext, c: Context<ApiEnv, "/:id/report">): Promise<Response> {
  const query = parseQuery(c, batchReportQuerySchema);
  const id = c.req.param("id");
  checkBatchId(id);
  const owner = c.get("principal").id;
  await ownedManifest(ctx, id, owner);
  if (query.baseline !== undefined) await ownedManifest(ctx, query.baseline, owner);
  const html = await batchReport(ctx.store, id, {
    ...(query.title !== undefined ? { title: query.title } : {}),
    ...(query.baseline !== undefined ? { baselineBatchId: query.baseline } : {}),
  });
  c.header("Content-Type", "text/html; charset=utf-8");
  return c.body(html, 200);
}

/** The /v1/batches routes. */
export function batchRoutes(ctx: ApiContext): Hono<ApiEnv> {
  const r = new Hono<ApiEnv>();
  r.post("/", bodySize(ctx.limits.maxBatchBodyBytes), (c) => submitBatch(ctx, c));
  r.get("/:id", (c) => batchProgress(ctx, c));
  r.get("/:id/results", (c) => batchResults(ctx, c));
  // The report of the results stored so far (a running batch gets a partial report): one self-contained page.
  r.get("/:id/report", (c) => batchReportPage(ctx, c));
  return r;
}
