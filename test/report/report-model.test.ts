// The report's data, without a browser: results-file parsing, problem rows and first errors, checks in both shapes,
// the baseline diff's thresholds, the histogram, the default path, and a page that references nothing outside itself.
import { describe, expect, it } from "vitest";
import {
  buildReportModel,
  defaultReportPath,
  diffAgainstBaseline,
  failedChecksOf,
  generateReport,
  logHistogram,
  parseResults,
  problemRows,
  ResultsFileError,
  type ProblemRow,
} from "../../services/report/index.js";
import { summarise } from "../../services/batches/index.js";
import { resultLine, syntheticResults, toJsonl } from "../fixtures/synthetic-results.js";

describe("parseResults", () => {
  it("drops a last line cut off mid-write with a warning, and names the line of any other bad one", () => {
    const good = toJsonl([resultLine({ index: 0, group: "a", status: "ok", verdict: "valid", runMs: 5 })]);
    expect(parseResults(good + '{"v":1,"jobI', "r.jsonl")).toMatchObject({
      results: [{ group: "a" }],
      warnings: ["r.jsonl:2: last line cut off (not JSON), ignored"],
    });
    expect(() => parseResults("nope\n" + good, "r.jsonl")).toThrow(/^r\.jsonl:1 is not JSON/);
    expect(() => parseResults(good + '{"status":"ok"}\n', "r.jsonl")).toThrow(ResultsFileError);
    expect(() => parseResults(good + '{"status":"ok"}\n', "r.jsonl")).toThrow(
      /r\.jsonl:2 is not a LeanFleet result: verdict/,
    );
  });
});

describe("problemRows", () => {
  it("takes the status of the best attempt, the fastest valid time and the first failure's message in dataset order", () => {
    const rows = problemRows([
      resultLine({ index: 2, group: "p", status: "ok", verdict: "valid", runMs: 30 }),
      resultLine({ index: 1, group: "p", status: "timeout", verdict: "none", runMs: 9000 }),
      resultLine({ index: 0, group: "p", status: "lean_error", verdict: "invalid", runMs: 10, message: "first" }),
      resultLine({ index: 3, group: "p", status: "skipped", verdict: "none", runMs: 0 }),
      resultLine({ index: 4, group: "q", status: "ok", verdict: "invalid", runMs: 3 }),
      resultLine({ index: 5, status: "crashed", verdict: "none", runMs: 3 }),
    ]);
    expect(rows.map((r) => [r.name, r.status, r.attempts, r.ran, r.valid, r.bestMs, r.firstError])).toEqual([
      ["p", "solved", 4, 3, 1, 30, "3:2: error: first"],
      ["q", "invalid", 1, 1, 0, 3, "1:8: warning: declaration uses 'sorry'"],
      ["#5", "crashed", 1, 1, 0, 3, "the REPL exited with signal SIGKILL (memory limit 8192 MiB)"],
    ]);
  });

  it("has as many problems as the summary has groups", () => {
    const lines = syntheticResults({ items: 3000, attemptsOf: (p) => (p % 5 === 0 ? 1 : 3) }).map((l, i) =>
      i % 7 === 0 ? { ...l, group: undefined } : l,
    );
    expect(problemRows(lines)).toHaveLength(summarise(lines).groups.total);
  });

  it("reads failed checks from an array of {name, ok} or a record by name", () => {
    expect(
      failedChecksOf([
        { name: "errors", ok: true },
        { name: "axioms", ok: false },
        { check: "kernel", passed: false },
      ]),
    ).toEqual(["axioms", "kernel"]);
    expect(
      failedChecksOf({ statement: { ok: false, reason: "type differs" }, errors: { ok: true }, kernel: false }),
    ).toEqual(["statement", "kernel"]);
    expect(failedChecksOf(undefined)).toEqual([]);
  });
});

describe("diffAgainstBaseline", () => {
  const row = (name: string, solved: boolean, bestMs?: number): ProblemRow => ({
    name,
    status: solved ? "solved" : "lean_error",
    attempts: 1,
    ran: 1,
    valid: solved ? 1 : 0,
    bestMs,
    firstError: undefined,
    trust: undefined,
    failedChecks: [],
    envs: [],
  });
  it("lists newly solved, newly failing and slowdowns above 2x and 10 ms, sorted; counts problems on one side only", () => {
    const d = diffAgainstBaseline(
      [
        row("p10", true, 5),
        row("p2", true, 50),
        row("p3", false),
        row("p4", true, 201),
        row("p5", true, 30),
        row("new", true, 1),
      ],
      [
        row("p10", false),
        row("p2", false),
        row("p3", true, 4),
        row("p4", true, 100),
        row("p5", true, 10),
        row("old", true, 1),
      ],
    );
    expect(d).toEqual({
      newlySolved: ["p2", "p10"],
      newlyFailing: ["p3"],
      slowdowns: [
        { name: "p5", beforeMs: 10, afterMs: 30 },
        { name: "p4", beforeMs: 100, afterMs: 201 },
      ],
      onlyCurrent: 1,
      onlyBaseline: 1,
    });
    expect(diffAgainstBaseline([row("a", true, 9)], [row("a", true, 2)], { slowdownMinMs: 0 }).slowdowns).toHaveLength(
      1,
    );
  });
});

describe("logHistogram", () => {
  it("puts every value in a bin, the largest included, and gives nearest-rank percentiles", () => {
    const xs = Array.from({ length: 1000 }, (_, i) => i);
    const h = logHistogram(xs, 20);
    expect(h.counts.reduce((a, b) => a + b, 0)).toBe(1000);
    expect(h.counts).toHaveLength(20);
    expect([h.p50, h.p90, h.p99]).toEqual([499, 899, 989]);
    expect(logHistogram([])).toMatchObject({ counts: [], p50: 0 });
  });
});

describe("the page", () => {
  it("is one file: no src, href or url() pointing anywhere, the CSP forbids fetching, and the data cannot close its script", () => {
    const lines = [
      resultLine({
        index: 0,
        group: "</script><script>alert(1)</script>",
        status: "lean_error",
        verdict: "invalid",
        runMs: 5,
        message: "<!-- x",
      }),
    ];
    const html = generateReport({ title: "t <b>", run: { results: lines, source: "r.jsonl" } });
    expect(html).not.toMatch(/\ssrc=|\shref=|url\(\s*['"]?(https?:|\/\/)/);
    expect(html).toContain("default-src 'none'");
    expect(html).toContain("<title>t &#60;b&#62;</title>");
    expect(html.match(/<\/script>/g)).toHaveLength(3);
    const model = buildReportModel({ title: "t", run: { results: lines, source: "r.jsonl" } });
    expect(model.problems.name).toEqual(["</script><script>alert(1)</script>"]);
  });

  it("defaults its path beside the results", () => {
    expect(defaultReportPath("out/minif2f.results.jsonl")).toBe("out/minif2f.report.html");
    expect(defaultReportPath("run.jsonl")).toBe("run.report.html");
    expect(defaultReportPath("run.txt")).toBe("run.txt.report.html");
  });
});
