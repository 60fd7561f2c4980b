// The report in a real browser (headless Chromium): it works from file:// with no network and no console error, its
// headline equals the summary `leanfleet report` / `leanfleet eval` print for the same file, the table filters and
// sorts, the baseline lists hold exactly the expected problems, and big runs keep few rows in the DOM.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resultLine, syntheticResults, toJsonl, type ResultLine } from "../fixtures/synthetic-results.js";
import { runCli } from "../cli/helpers/run-cli.js";
import { launchChromium, openReport, watchedPage, type WatchedPage } from "./helpers/browser.js";

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const OUTPUT = join(REPO, "test-output");
const NOWHERE = "http://127.0.0.1:9"; // the report command needs no cluster

/** Current run: one problem per case the baseline comparison must tell apart. */
function currentRun(): ResultLine[] {
  let index = 0;
  const r = (
    group: string,
    status: ResultLine["status"],
    verdict: ResultLine["verdict"],
    runMs: number,
    message?: string,
  ) => resultLine({ index: index++, group, status, verdict, runMs, ...(message ? { message } : {}) });
  return [
    r("alpha", "ok", "valid", 150), // 100 -> 150 ms: not a slowdown
    r("beta", "lean_error", "invalid", 40, "unsolved goals\n⊢ beta"),
    r("beta", "ok", "valid", 300), // 100 -> 300 ms: a slowdown
    r("gamma", "ok", "valid", 80), // newly solved
    r("delta", "lean_error", "invalid", 70, "unknown identifier 'Nat.delta_lemma'\nsecond line of the message"), // newly failing
    r("epsilon", "timeout", "none", 60_000),
    r("zeta", "ok", "valid", 9), // 2 -> 9 ms: more than 2x but under the 10 ms floor
    r("eta", "ok", "valid", 20), // only in this run
    r("theta-2", "crashed", "none", 500),
    r("iota", "ok", "invalid", 35),
    r("</script><img src=x onerror=alert(1)>", "lean_error", "invalid", 12, "<b>not bold</b>"),
  ];
}

/** Baseline run. */
function baselineRun(): ResultLine[] {
  let index = 0;
  const r = (group: string, status: ResultLine["status"], verdict: ResultLine["verdict"], runMs: number) =>
    resultLine({ index: index++, group, status, verdict, runMs, simulated: false });
  return [
    r("alpha", "ok", "valid", 100),
    r("beta", "ok", "valid", 100),
    r("gamma", "lean_error", "invalid", 50),
    r("delta", "ok", "valid", 60),
    r("epsilon", "timeout", "none", 60_000),
    r("zeta", "ok", "valid", 2),
    r("theta-2", "ok", "valid", 10),
    r("kappa", "ok", "valid", 10), // only in the baseline
    r("iota", "ok", "invalid", 30),
    r("</script><img src=x onerror=alert(1)>", "lean_error", "invalid", 12),
  ];
}

/** The numbers of the CLI's summary lines (the same lines `leanfleet eval` prints). */
function cliNumbers(lines: string[]) {
  const text = lines.join("\n");
  const m = (re: RegExp) => {
    const found = re.exec(text);
    if (!found) throw new Error(`summary has no ${re}: ${text}`);
    return found;
  };
  const items = m(/^items: (\d+), valid: \d+ \(([\d.]+%) of \d+ that ran\)/m);
  const passAtK = [
    ...m(/^unbiased \(Chen et al\. 2021, over attempts that ran\): (.*)$/m)[1]!.matchAll(/pass@(\d+) ([\d.]+%)/g),
  ];
  const fails = m(/timeout (\d+), crashed (\d+)/);
  return {
    items: items[1],
    valid: items[2],
    problems: m(/^pass@k by group: \d+\/(\d+) groups passed/m)[1],
    pass1: passAtK[0]![2],
    passkLabel: `pass@${passAtK[passAtK.length - 1]![1]}`,
    passk: passAtK[passAtK.length - 1]![2],
    timeouts: fails[1],
    crashes: fails[2],
    span: /batch span ([\d.]+ s)/.exec(text)?.[1],
  };
}

describe("the report in headless Chromium", () => {
  let browser: Browser;
  let dir: string;
  const pages: WatchedPage[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "leanfleet-report-"));
    mkdirSync(OUTPUT, { recursive: true });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** Write results (and a baseline), run `leanfleet report` in-process, open the page. */
  async function report(name: string, lines: ResultLine[], baseline?: ResultLine[]) {
    const results = join(dir, `${name}.results.jsonl`);
    writeFileSync(results, toJsonl(lines));
    const args = ["report", results];
    if (baseline) {
      writeFileSync(join(dir, `${name}.baseline.jsonl`), toJsonl(baseline));
      args.push("--baseline", join(dir, `${name}.baseline.jsonl`));
    }
    const cli = await runCli(NOWHERE, ...args, "--title", `Report ${name}`);
    expect(cli.thrown).toBeUndefined();
    expect(cli.code).toBe(0);
    const html = join(dir, `${name}.report.html`);
    expect(cli.out.at(-1)).toMatch(new RegExp(`^report: ${html.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} \\(`));
    const w = await watchedPage(browser);
    pages.push(w);
    await openReport(w, html);
    return { w, page: w.page, cli: cli.out };
  }

  async function headline(page: WatchedPage["page"]) {
    const t = (id: string) => page.locator(`#h-${id}`).innerText();
    return {
      items: await t("items"),
      problems: await t("problems"),
      pass1: await t("pass1"),
      passk: await t("passk"),
      valid: await t("valid"),
      timeouts: await t("timeouts"),
      crashes: await t("crashes"),
      runtime: await t("runtime"),
      passkLabel: (await page.locator("#h-passk").locator("xpath=preceding-sibling::div[1]").innerText()).replace(
        /^PASS@/,
        "pass@",
      ),
    };
  }

  it("a 1,000-item run: headline equals the CLI summary, charts drawn, no console error, no network; screenshot saved", async () => {
    const { w, page, cli } = await report(
      "synthetic",
      syntheticResults({ items: 1000 }),
      syntheticResults({ items: 1000, seed: 2 }),
    );
    const want = cliNumbers(cli);
    const got = await headline(page);
    const { span, ...numbers } = want;
    expect(got).toEqual({ ...numbers, runtime: span });
    expect(got).toMatchObject({ items: "1000", passkLabel: "pass@4" });
    expect(await page.locator("#simulated-banner").innerText()).toMatch(/^SIMULATED/);
    // Four uPlot charts, each a canvas of non-zero size.
    const canvases = await page
      .locator(".uplot canvas")
      .evaluateAll((cs) => cs.map((c) => (c as unknown as { width: number }).width));
    expect(canvases).toHaveLength(4);
    expect(canvases.every((wd) => wd > 100)).toBe(true);
    await page.screenshot({ path: join(OUTPUT, "report.png"), fullPage: true });
    expect(w.problems).toEqual([]);
    expect(w.offline).toEqual([]);
  });

  it("against a baseline: exactly the newly solved, newly failing and slower problems; headline as the CLI's", async () => {
    const { w, page, cli } = await report("cases", currentRun(), baselineRun());
    const names = (id: string) =>
      page.locator(`#${id} li[data-name]`).evaluateAll((lis) => lis.map((li) => li.getAttribute("data-name")));
    expect(await names("b-solved")).toEqual(["gamma"]);
    expect(await names("b-failing")).toEqual(["delta", "theta-2"]);
    expect(await names("b-slower")).toEqual(["beta"]);
    expect(await page.locator("#b-slower li").first().innerText()).toBe("beta: 100 ms → 300 ms (3.0x)");
    expect(await page.locator("#baseline-caption").innerText()).toContain(
      "1 problems only in this run · 1 only in the baseline",
    );
    const want = cliNumbers(cli);
    const got = await headline(page);
    expect(got).toMatchObject({
      items: "11",
      problems: "10",
      pass1: want.pass1,
      passk: want.passk,
      valid: want.valid,
      timeouts: "1",
      crashes: "1",
    });
    expect(want.items).toBe("11");
    // A problem name and message with markup stay text.
    expect(await page.locator("img").count()).toBe(0);
    expect(w.problems).toEqual([]);
    expect(w.offline).toEqual([]);
  });

  it("filters by status and by text, sorts by a column both ways, and expands the first error message", async () => {
    const { w, page } = await report("table", currentRun());
    // The page's test hook: every problem name the filters let through, in display order (not only the rows in view).
    const visible = () =>
      page.evaluate(() =>
        (globalThis as unknown as { leanfleetReport: { visibleNames(): string[] } }).leanfleetReport.visibleNames(),
      );
    const domNames = () =>
      page.locator("#spacer .row:not([hidden])").evaluateAll((rs) => rs.map((r) => r.getAttribute("data-name")));
    expect(await page.locator("#count").innerText()).toBe("10 of 10 problems");

    await page.selectOption("#f-status", { label: "solved (5)" });
    expect((await visible()).sort()).toEqual(["alpha", "beta", "eta", "gamma", "zeta"]);
    expect(await page.locator("#count").innerText()).toBe("5 of 10 problems");

    await page.locator("button[data-sort=best]").click();
    expect(await visible()).toEqual(["zeta", "eta", "gamma", "alpha", "beta"]);
    expect(await domNames()).toEqual(["zeta", "eta", "gamma", "alpha", "beta"]);
    expect(await page.locator("button[data-sort=best]").getAttribute("aria-sort")).toBe("ascending");
    await page.locator("button[data-sort=best]").click();
    expect(await visible()).toEqual(["beta", "alpha", "gamma", "eta", "zeta"]);
    expect(await page.locator("button[data-sort=best]").getAttribute("aria-sort")).toBe("descending");

    await page.selectOption("#f-status", { value: "" });
    await page.fill("#f-text", "UNKNOWN IDENTIFIER");
    await expect.poll(visible).toEqual(["delta"]);
    await page.fill("#f-text", "");
    await page.selectOption("#f-status", { label: "timeout (1)" });
    expect(await visible()).toEqual(["epsilon"]);

    await page.selectOption("#f-status", { value: "" });
    await page.locator("button[data-sort=name]").click();
    expect((await visible()).slice(0, 3)).toEqual(["</script><img src=x onerror=alert(1)>", "alpha", "beta"]);
    await page.locator('#spacer .row[data-name="delta"]').click();
    expect(await page.locator("#detail-error").innerText()).toBe(
      "3:2: error: unknown identifier 'Nat.delta_lemma'\nsecond line of the message",
    );
    expect(await page.locator("#detail h3").innerText()).toBe("delta");
    expect(w.problems).toEqual([]);
    expect(w.offline).toEqual([]);
  });

  it("shows trust, failed checks and environments when results carry them", async () => {
    const lines = currentRun()
      .slice(0, 3)
      .map((l, i) => ({
        ...l,
        trust: i === 1 ? ("fast" as const) : ("strict" as const),
        env: i === 0 ? "env-3f9a1c0d" : "env-77aa0011",
        checks: [
          { name: "errors" as const, ok: true },
          { name: "axioms" as const, ok: i !== 1, reason: "uses sorryAx" },
        ],
      }));
    const { w, page } = await report("verdicts", lines);
    expect(await page.locator("button[data-sort=trust]").count()).toBe(1);
    expect(await page.locator("#h-trust-strict").innerText()).toBe("2");
    expect(await page.locator("#env-banner").innerText()).toContain("2 different environments");
    expect(await page.locator("#meta").innerText()).toContain("env-77aa0011 (2)");
    expect(await page.locator('#spacer .row[data-name="beta"] .c-checks').innerText()).toBe("axioms");
    await page.fill("#f-text", "env-3f9a");
    await expect.poll(() => page.locator("#count").innerText()).toBe("1 of 2 problems");
    expect(w.problems).toEqual([]);
  });

  it("a 20,000-problem run keeps only the rows in view in the DOM, and scrolls to the last one", async () => {
    const { w, page } = await report("big", syntheticResults({ items: 20_000, attemptsOf: () => 1 }));
    expect(await page.locator("#count").innerText()).toBe("20000 of 20000 problems");
    expect(await page.locator("#spacer .row").count()).toBeLessThan(100);
    await page.locator("#viewport").evaluate((v) => (v.scrollTop = v.scrollHeight));
    await expect
      .poll(() =>
        page.locator("#spacer .row:not([hidden])").evaluateAll((rs) => rs.map((r) => r.getAttribute("data-name"))),
      )
      .toContain("problem_19999");
    expect(await page.locator("#spacer .row").count()).toBeLessThan(100);
    expect(w.problems).toEqual([]);
  });
});
