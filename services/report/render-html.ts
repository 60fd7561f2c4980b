// The report as one self-contained HTML page: the model as inline JSON, the page's script and styles, and uPlot's
// minified build and styles, all read at generation time, so the file opens from file:// with no network at all.
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { ReportModel } from "./report-model.js";

/** The page's inlined assets (read once per process). */
interface Assets {
  uplotJs: string;
  uplotCss: string;
  js: string;
  css: string;
}

let assets: Assets | undefined;

/** The page's script files, in order; they share one function scope (common.js defines what the others use). */
export const PAGE_SCRIPTS = ["common.js", "charts.js", "table.js"] as const;

/** The page's script: its files in one strict-mode function scope, so nothing leaks into the page's globals. */
function pageScript(read: (name: string) => string): string {
  return `"use strict";\n(function () {\n${PAGE_SCRIPTS.map(read).join("\n")}\n})();\n`;
}

/** Folder beside a bundled Lambda's code that holds the page's files and uPlot's (cdk/lib/node-function.ts copies them there). */
export const BUNDLED_REPORT_ASSETS_DIR = "report-assets";

function loadAssets(): Assets {
  if (assets) return assets;
  const read = (path: string) => readFileSync(path, "utf8");
  const bundled = fileURLToPath(new URL(`./${BUNDLED_REPORT_ASSETS_DIR}/`, import.meta.url));
  if (existsSync(join(bundled, "report.css"))) {
    const at = (name: string) => read(join(bundled, name));
    assets = {
      uplotJs: at("uPlot.iife.min.js"),
      uplotCss: at("uPlot.min.css"),
      js: pageScript(at),
      css: at("report.css"),
    };
    return assets;
  }
  // From source: the page's own files beside this module, uPlot's dist files from node_modules.
  const require = createRequire(import.meta.url);
  const local = (name: string) => fileURLToPath(new URL(`./client/${name}`, import.meta.url));
  assets = {
    uplotJs: read(require.resolve("uplot/dist/uPlot.iife.min.js")),
    uplotCss: read(require.resolve("uplot/dist/uPlot.min.css")),
    js: pageScript((name) => read(local(name))),
    css: read(local("report.css")),
  };
  return assets;
}

/** Text safe inside a <script> element: no "</script" or "<!--" can end or confuse it. */
function scriptText(s: string): string {
  return s.replace(/<\/(script)/gi, "<\\/$1").replace(/<!--/g, "<\\!--");
}

/** The model as JSON safe inside <script type="application/json"> ("<" escaped, so no tag can close it). */
function jsonText(model: ReportModel): string {
  return JSON.stringify(model)
    .replace(/</g, "\\u003c")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

// The CSP forbids every fetch, image, font and frame from anywhere: a report cannot leak or depend on the network.
const CSP =
  "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'";

/** Render the page for a model. */
export function renderReportHtml(model: ReportModel): string {
  const a = loadAssets();
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="LeanFleet report">
<title>${escapeHtml(model.title)}</title>
<style>${a.uplotCss}</style>
<style>${a.css}</style>
</head>
<body>
<header>
<h1 id="title">${escapeHtml(model.title)}</h1>
<p class="meta" id="meta"></p>
</header>
<div id="banners"></div>
<main>
<section class="cards" id="headline" aria-label="headline"></section>
<div class="charts">
<section class="panel"><h2>pass@k</h2><div id="chart-passk"></div><p class="caption" id="passk-caption"></p></section>
<section class="panel"><h2>Run time</h2><div id="chart-hist"></div><p class="caption" id="hist-caption"></p></section>
<section class="panel"><h2>Failures by status</h2><div id="chart-status"></div><table class="small" id="status-table"></table></section>
<section class="panel"><h2>Queued vs running</h2><div id="chart-split"></div><p class="caption" id="split-caption"></p></section>
</div>
<section class="panel" id="baseline" hidden>
<h2>Against the baseline</h2>
<p class="caption" id="baseline-caption"></p>
<div class="diff">
<div><h3>Newly solved (<span id="n-solved">0</span>)</h3><ol id="b-solved"></ol></div>
<div><h3>Newly failing (<span id="n-failing">0</span>)</h3><ol id="b-failing"></ol></div>
<div><h3>Slower, best time &gt; 2x (<span id="n-slower">0</span>)</h3><ol id="b-slower"></ol></div>
</div>
</section>
<section class="panel" id="problems">
<h2>Problems</h2>
<div class="controls">
<select id="f-status" aria-label="filter by status"></select>
<input id="f-text" type="search" placeholder="filter by problem, error, check or environment" aria-label="filter by text">
<span id="count"></span>
</div>
<div class="table"><div class="thead" id="thead" role="row"></div><div id="viewport" tabindex="0"><div id="spacer"></div></div></div>
<div id="detail" hidden></div>
</section>
</main>
<footer>LeanFleet report · charts by uPlot · <span id="generated"></span></footer>
<script type="application/json" id="report-data">${jsonText(model)}</script>
<script>${scriptText(a.uplotJs)}</script>
<script>${scriptText(a.js)}</script>
</body>
</html>
`;
}
