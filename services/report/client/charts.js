// The report page's script, second part (shares common.js's scope): the four uPlot charts and the baseline lists.
/* global uPlot */
const charts = [];
const widthOf = (id) => Math.max(280, $(id).clientWidth || 520);
function chart(id, opts, series) {
  const u = new uPlot(Object.assign({ width: widthOf(id), height: 220, legend: { show: true } }, opts), series, $(id));
  charts.push([u, id]);
  return u;
}
const verticalLines = (values, colour) => (u) => {
  const ctx = u.ctx;
  ctx.save();
  ctx.strokeStyle = colour;
  ctx.setLineDash([4, 4]);
  ctx.lineWidth = 1.5;
  for (const v of values) {
    const x = u.valToPos(v, "x", true);
    ctx.beginPath();
    ctx.moveTo(x, u.bbox.top);
    ctx.lineTo(x, u.bbox.top + u.bbox.height);
    ctx.stroke();
  }
  ctx.restore();
};

// pass@k for k = 1..n, with the baseline's curve when there is one.
if (n) {
  const bn = data.baseline ? data.baseline.summary.passAtK.length : 0;
  const kmax = Math.max(n, bn);
  const ks = Array.from({ length: kmax }, (_, i) => i + 1);
  const series = [{ label: "k" }, { label: "this run", stroke: "#2f6fdf", width: 2, points: { size: 6 }, value: (u, v) => (v == null ? "–" : pct(v)) }];
  const cols = [ks, ks.map((k) => (k <= n ? S.passAtK[k - 1] : null))];
  if (bn) {
    series.push({ label: "baseline", stroke: "#a0a7b4", width: 2, dash: [6, 4], points: { size: 5 }, value: (u, v) => (v == null ? "–" : pct(v)) });
    cols.push(ks.map((k) => (k <= bn ? data.baseline.summary.passAtK[k - 1] : null)));
  }
  chart(
    "chart-passk",
    {
      scales: { x: { time: false, range: [0.5, kmax + 0.5] }, y: { range: [0, 1] } },
      axes: [{ label: "k", splits: () => ks.filter((k) => kmax <= 16 || k === 1 || k === kmax || (k & (k - 1)) === 0) }, { values: (u, vs) => vs.map((v) => Math.round(v * 100) + "%") }],
      series,
    },
    cols,
  );
  $("passk-caption").textContent = "pass@k = 1 − C(n−c, k) / C(n, k) per problem (Chen et al. 2021), averaged; n attempts that ran, c valid. A problem with fewer than k attempts counts as solved if any attempt is valid.";
} else $("chart-passk").appendChild(el("p", { class: "empty" }, "no results"));

// Run-time histogram on log-spaced bins, with p50 / p90 / p99 marked.
const H = data.histogram;
if (H.counts.length) {
  chart(
    "chart-hist",
    {
      scales: { x: { time: false, distr: 3 }, y: { range: (u, lo, hi) => [0, Math.max(1, hi) * 1.05] } },
      axes: [{ label: "run time (ms, log)" }, { label: "items" }],
      series: [{ label: "ms", value: (u, v) => (v == null ? "–" : ms(v)) }, { label: "items", fill: "rgba(47,111,223,0.35)", stroke: "#2f6fdf", paths: uPlot.paths.bars({ size: [0.92, Infinity] }), points: { show: false } }],
      hooks: { draw: [verticalLines([H.p50, H.p90, H.p99].filter((v) => v > 0), "#c0392b")] },
    },
    [H.x, H.counts],
  );
} else $("chart-hist").appendChild(el("p", { class: "empty" }, "no item ran"));
$("hist-caption").textContent = "";
$("hist-caption").append(el("span", { id: "p50" }, "p50 " + ms(H.p50)), " · ", el("span", { id: "p90" }, "p90 " + ms(H.p90)), " · ", el("span", { id: "p99" }, "p99 " + ms(H.p99)), " · max " + ms(S.runMs.max) + " (dashed lines: p50, p90, p99)");

// Failures by status (items), with early-stop skips apart: they are not failures.
const fail = [
  ["invalid", "ok, not valid", S.byStatus.ok - S.valid],
  ["lean_error", "lean_error", S.byStatus.lean_error],
  ["timeout", "timeout", S.byStatus.timeout],
  ["crashed", "crashed", S.byStatus.crashed],
  ["rejected", "rejected", S.byStatus.rejected],
];
const idx = fail.map((_, i) => i);
chart(
  "chart-status",
  {
    scales: { x: { time: false, range: [-0.6, fail.length - 0.4] }, y: { range: (u, lo, hi) => [0, Math.max(1, hi) * 1.1] } },
    axes: [{ splits: () => idx, values: (u, vs) => vs.map((v) => (fail[v] ? fail[v][1] : "")) }, { label: "items" }],
    series: [{ label: "status", value: (u, v) => (v == null || !fail[v] ? "–" : fail[v][1]) }, { label: "items", fill: "rgba(192,57,43,0.55)", stroke: "#c0392b", paths: uPlot.paths.bars({ size: [0.6, 80] }), points: { show: false } }],
  },
  [idx, fail.map((f) => f[2])],
);
const st = $("status-table");
for (const [key, label, count] of [...fail, ["skipped", "skipped by early stop (not a failure)", S.byStatus.skipped], ["valid", "valid", S.valid]]) {
  const tr = el("tr", { "data-status": key });
  tr.appendChild(el("td", null, label));
  tr.appendChild(el("td", { class: "num", id: "s-" + key }, String(count)));
  st.appendChild(tr);
}

// Queued vs running: the two times at the same quantiles, and their shares of the total.
const T = data.timeSplit;
if (S.ran) {
  const floor1 = (xs) => xs.map((v) => Math.max(1, v));
  chart(
    "chart-split",
    {
      scales: { x: { time: false, range: [0, 100] }, y: { distr: 3 } },
      axes: [{ label: "quantile (%)" }, { label: "ms (log)" }],
      series: [{ label: "quantile", value: (u, v) => (v == null ? "–" : v + "%") }, { label: "queued", stroke: "#8e44ad", width: 2, value: (u, v) => (v == null ? "–" : ms(v)) }, { label: "running", stroke: "#1f9254", width: 2, value: (u, v) => (v == null ? "–" : ms(v)) }],
    },
    [T.q, floor1(T.queuedMs), floor1(T.runMs)],
  );
  const total = T.queuedTotalMs + T.runTotalMs || 1;
  $("split-caption").textContent =
    "item time queued " + ms(T.queuedTotalMs) + " (" + pct(T.queuedTotalMs / total) + "), running " + ms(T.runTotalMs) + " (" + pct(T.runTotalMs / total) + "); queued p50 " + ms(S.queuedMs.p50) + ", p99 " + ms(S.queuedMs.p99) + ". Under 1 ms shown at 1 ms.";
} else $("chart-split").appendChild(el("p", { class: "empty" }, "no item ran"));

let resizeTimer = 0;
window.addEventListener("resize", () => {
  clearTimeout(resizeTimer);
  resizeTimer = setTimeout(() => charts.forEach(([u, id]) => u.setSize({ width: widthOf(id), height: 220 })), 100);
});

// Baseline lists.
if (data.baseline) {
  const B = data.baseline;
  $("baseline").hidden = false;
  const bs = B.summary;
  $("baseline-caption").textContent =
    "pass@1 " + (bs.passAtK.length ? pct(bs.passAtK[0]) : "–") + " → " + (n ? pct(S.passAtK[0]) : "–") + " · solved " + bs.groups.passed + " → " + S.groups.passed + " problems" +
    (B.diff.onlyCurrent ? " · " + B.diff.onlyCurrent + " problems only in this run" : "") + (B.diff.onlyBaseline ? " · " + B.diff.onlyBaseline + " only in the baseline" : "");
  const LIMIT = 2000; // longer lists are cut: the table (filter by name) shows the rest
  const fill = (listId, countId, items, text) => {
    $(countId).textContent = String(items.length);
    const ol = $(listId);
    for (const it of items.slice(0, LIMIT)) ol.appendChild(el("li", { "data-name": typeof it === "string" ? it : it.name }, text(it)));
    if (items.length > LIMIT) ol.appendChild(el("li", { class: "empty" }, "… and " + (items.length - LIMIT) + " more"));
    if (!items.length) ol.appendChild(el("li", { class: "empty" }, "none"));
  };
  fill("b-solved", "n-solved", B.diff.newlySolved, (s) => s);
  fill("b-failing", "n-failing", B.diff.newlyFailing, (s) => s);
  fill("b-slower", "n-slower", B.diff.slowdowns, (s) => s.name + ": " + ms(s.beforeMs) + " → " + ms(s.afterMs) + " (" + (s.afterMs / Math.max(1, s.beforeMs)).toFixed(1) + "x)");
}
