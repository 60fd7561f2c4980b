// A wrong HTTP method on a known route answers 405 with an Allow header (GET implies HEAD); unknown paths stay 404,
// and the right method still reaches its route.
import { describe, expect, it } from "vitest";
import { errorOf, memoryApp } from "./helpers/api-env.js";

describe("405 Method Not Allowed", () => {
  const { app } = memoryApp();

  it.each([
    ["PUT", "/v1/jobs", "POST"],
    ["GET", "/v1/jobs", "POST"],
    ["DELETE", "/v1/jobs/j_00000000-0000-4000-8000-000000000000", "GET, HEAD"],
    ["POST", "/v1/batches/b_00000000-0000-4000-8000-000000000000/results", "GET, HEAD"],
    ["POST", "/v1/cluster", "GET, HEAD"],
    ["DELETE", "/health", "GET, HEAD"],
    ["GET", "/api/check", "POST"],
  ])("%s %s -> 405, Allow: %s", async (method, path, allow) => {
    const res = await app.request(path, { method });
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe(allow);
    const err = await errorOf(res);
    expect(err.code).toBe("method_not_allowed");
    expect(err.message).toBe(`${method} is not allowed on ${path}; this route takes ${allow}`);
  });

  it("keeps 404 for unknown paths and serves the right method (HEAD from GET)", async () => {
    expect((await app.request("/v2/jobs", { method: "PUT" })).status).toBe(404);
    expect((await errorOf(await app.request("/v1/jobs/extra/segment"))).code).toBe("route_not_found");
    expect((await app.request("/health")).status).toBe(200);
    expect((await app.request("/health", { method: "HEAD" })).status).toBe(200);
  });
});
