// POST /v1/batches (create or append), GET /v1/batches/:id (progress), GET /v1/batches/:id/results (JSON Lines pages
// resumable with a cursor), GET /v1/batches/:id/report (the run's HTML report).
import { Hono } from "hono";
import {
  listBatchResults,
  ResultCursor,
  readResultTexts,
  SHARED_BATCH_OWNER,
  type BatchManifest,
  type ResultRef,
} from "../../../services/batches/index.js";
import { batchJobId, FORMAT_VERSION } from "../../../services/jobs/index.js";
import { batchReport } from "../../../services/report/index.js";
import type { ApiContext } from "../api-context.js";
import { API_DEFAULTS } from "../deps.js";
import type { ApiEnv } from "../env.js";
import { BadRequestError, ConflictError, NotFoundError, PartialEnqueueFailure } from "../errors.js";
import { PartialEnqueueError } from "../enqueue.js";
import { readBatchItems } from "../batch-intake.js";
import { buildJob } from "../job-factory.js";
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

/** The /v1/batches routes. */
export function batchRoutes(ctx: ApiContext): Hono<ApiEnv> {
  const r = new Hono<ApiEnv>();

  r.post("/", bodySize(ctx.limits.maxBatchBodyBytes), async (c) => {
    const q = parseQuery(c, batchSubmitQuerySchema);
    const items = await readBatchItems(c, ctx.limits.maxBatchBodyBytes, ctx.limits.maxBatchItems, ctx.bodyReader);
    const principal = c.get("principal");
    const now = ctx.now();
    const at = new Date(now).toISOString();

    let manifest: BatchManifest;
    if (q.batchId !== undefined) {
      manifest = await ownedManifest(ctx, q.batchId, principal.id, "append");
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
    } else {
      const { fleet } = ctx.queueOf(q.fleet, "fleet");
      manifest = {
        v: FORMAT_VERSION,
        batchId: ctx.newBatchId(),
        fleet,
        earlyStop: q.earlyStop ?? false,
        createdAt: at,
        owner: principal.id,
      };
    }
    const { queue, fleet } = ctx.queueOf(manifest.fleet, "fleet");
    await ctx.queued.admit(principal, items.length);
    if (q.batchId === undefined && !(await ctx.batches.create(manifest))) {
      throw new Error(`batch id ${manifest.batchId} already exists (id generator collision)`);
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
        items.length,
        sent,
        err instanceof PartialEnqueueError ? err.cause : err,
      );
    }
    ctx.queued.record(principal, fleet, items.length);
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
  });

  r.get("/:id", async (c) => {
    parseQuery(c, emptyQuerySchema);
    const id = c.req.param("id");
    checkBatchId(id);
    const manifest = await ownedManifest(ctx, id, c.get("principal").id);
    const extent = await ctx.batches.extent(id, manifest);
    return c.json(await ctx.progress.progress(manifest, extent), 200);
  });

  r.get("/:id/results", async (c) => {
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
  });

  // The report of the results stored so far (a running batch gets a partial report): one self-contained page.
  r.get("/:id/report", async (c) => {
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
  });

  return r;
}
