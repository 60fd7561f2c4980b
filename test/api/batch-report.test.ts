// GET /v1/batches/:id/report over in-memory fakes: the page of a batch's stored results, against a baseline batch,
// and the usual 400 / 404 for bad or foreign ids.
import { describe, expect, it } from "vitest";
import { batchJobId } from "../../services/jobs/index.js";
import type { ReportModel } from "../../services/report/index.js";
import { errorOf, memoryApp, writeResult } from "./helpers/api-env.js";

type App = ReturnType<typeof memoryApp>;

/** A batch of 4 items in 2 groups; `valid` says which seqs come back valid (the others lean_error). */
async function batchWith(env: App, valid: number[]): Promise<string> {
  const items = [0, 1, 2, 3].map((i) => ({ code: `theorem t${i} : True := trivial`, group: `g${i % 2}` }));
  const res = await env.app.request("/v1/batches", {
    method: "POST",
    body: JSON.stringify(items),
    headers: { "content-type": "application/json" },
  });
  const { batchId } = (await res.json()) as { batchId: string };
  for (let seq = 0; seq < 4; seq++) {
    const ok = valid.includes(seq);
    await writeResult(env.store, batchJobId(batchId, seq), {
      batchId,
      group: `g${seq % 2}`,
      status: ok ? "ok" : "lean_error",
      verdict: ok ? "valid" : "invalid",
    });
  }
  return batchId;
}

/** The model embedded in a report page. */
function modelOf(html: string): ReportModel {
  const m = /<script type="application\/json" id="report-data">(.*?)<\/script>/s.exec(html);
  if (!m) throw new Error("no report data in the page");
  return JSON.parse(m[1]!) as ReportModel;
}

describe("GET /v1/batches/:id/report", () => {
  it("GIVEN stored results THEN a self-contained HTML page whose data are the batch's results", async () => {
    const env = memoryApp();
    const batchId = await batchWith(env, [1]);
    const res = await env.app.request(`/v1/batches/${batchId}/report?title=Nightly`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
    const html = await res.text();
    expect(html).toContain("<title>Nightly</title>");
    const model = modelOf(html);
    expect(model.summary).toMatchObject({ items: 4, valid: 1, simulated: true, groups: { total: 2, passed: 1 } });
    expect(model.problems.name).toEqual(["g0", "g1"]);
    expect(model.source).toBe(`batch ${batchId}`);
  });

  it("GIVEN ?baseline= another batch THEN the diff names the problems that changed", async () => {
    const env = memoryApp();
    const before = await batchWith(env, [1]);
    const after = await batchWith(env, [0]);
    const model = modelOf(await (await env.app.request(`/v1/batches/${after}/report?baseline=${before}`)).text());
    expect(model.baseline?.diff).toMatchObject({ newlySolved: ["g0"], newlyFailing: ["g1"], slowdowns: [] });
  });

  it("GIVEN a bad id, an unknown batch or a bad baseline THEN 400 / 404 naming the field", async () => {
    const env = memoryApp();
    const batchId = await batchWith(env, []);
    expect((await errorOf(await env.app.request("/v1/batches/nope/report"))).field).toBe("id");
    expect((await env.app.request(`/v1/batches/b_00000000-0000-4000-8000-000000000000/report`)).status).toBe(404);
    const bad = await env.app.request(`/v1/batches/${batchId}/report?baseline=x`);
    expect(bad.status).toBe(400);
    expect((await errorOf(bad)).field).toBe("baseline");
    expect(
      (await env.app.request(`/v1/batches/${batchId}/report?baseline=b_00000000-0000-4000-8000-000000000000`)).status,
    ).toBe(404);
  });
});
