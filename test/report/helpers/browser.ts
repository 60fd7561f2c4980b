// Headless Chromium for the report tests and bench/report: Debian's `chromium` (installed by scripts/setup-browser.sh,
// which .ci/run calls) driven by playwright-core; a page that records console errors and any request off file://.
import { existsSync } from "node:fs";
import { chromium, type Browser, type Page } from "playwright-core";

/** Where Chromium may be: $LEANFLEET_CHROMIUM, then Debian's paths. */
export const CHROMIUM_PATHS = [process.env.LEANFLEET_CHROMIUM, "/usr/bin/chromium", "/usr/bin/chromium-browser"].filter(
  (p): p is string => !!p,
);

/** The Chromium binary; throws (never skips) with the fix when none is installed. */
export function chromiumPath(): string {
  const found = CHROMIUM_PATHS.find((p) => existsSync(p));
  if (!found) {
    throw new Error(
      `Chromium not found (looked at ${CHROMIUM_PATHS.join(", ")}): run scripts/setup-browser.sh (CI's .ci/run does), or set LEANFLEET_CHROMIUM to a Chromium binary`,
    );
  }
  return found;
}

/** Launch headless Chromium. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath(),
    args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
  });
}

/** A page plus what went wrong on it: console errors, page errors, and requests to anything but file: or data:. */
export interface WatchedPage {
  page: Page;
  problems: string[];
  offline: string[];
}

/** A new page in its own context that fails every request off file:// and data:, recording it. */
export async function watchedPage(browser: Browser, viewport = { width: 1300, height: 1000 }): Promise<WatchedPage> {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const w: WatchedPage = { page, problems: [], offline: [] };
  page.on("console", (m) => {
    if (m.type() === "error") w.problems.push(`console error: ${m.text()}`);
  });
  page.on("pageerror", (e) => w.problems.push(`page error: ${e.message}`));
  await context.route("**/*", (route) => {
    const url = route.request().url();
    if (url.startsWith("file:") || url.startsWith("data:")) return route.continue();
    w.offline.push(url);
    return route.abort();
  });
  return w;
}

/** Open a report file and wait until its script has built the page. */
export async function openReport(w: WatchedPage, file: string): Promise<void> {
  await w.page.goto(`file://${file}`);
  await w.page.waitForSelector("body[data-ready='1']", { timeout: 15_000 });
}
