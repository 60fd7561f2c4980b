// The report page's script (inlined at generation time; runs in the browser, no modules, no network): headline,
// charts through uPlot, the baseline lists, and the problems table, which keeps only the rows in view in the DOM so
// a run of 100,000 problems scrolls, sorts and filters without delay.
/* global uPlot */
"use strict";
(function () {
  const data = JSON.parse(document.getElementById("report-data").textContent);
  const S = data.summary;
  const P = data.problems;
  const strings = data.strings;
  const $ = (id) => document.getElementById(id);
  const el = (tag, attrs, text) => {
    const e = document.createElement(tag);
    if (attrs) for (const k in attrs) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    return e;
  };
  // Number formats shared with `leanfleet eval`'s text summary (cli/eval-summary.ts).
  const pct = (x) => (x * 100).toFixed(1) + "%";
  const ms = (x) => (x < 0 ? "–" : x < 1000 ? Math.round(x) + " ms" : x < 60000 ? (x / 1000).toFixed(1) + " s" : (x / 60000).toFixed(1) + " min");
  const str = (i) => (i < 0 ? "" : strings[i]);

  // ---- header, banners, headline -------------------------------------------------------------------------------
  const metaBits = ["results: " + data.source];
  if (data.baseline) metaBits.push("baseline: " + data.baseline.source);
  if (data.envs.length) metaBits.push("environment" + (data.envs.length > 1 ? "s" : "") + ": " + data.envs.map((e) => e.id + " (" + e.items + ")").join(", "));
  $("meta").textContent = metaBits.join(" · ");
  $("generated").textContent = "generated " + data.generatedAt;
  const banners = $("banners");
  if (S.simulated) {
    banners.appendChild(el("div", { class: "banner", id: "simulated-banner", role: "alert" }, "SIMULATED: these results come from the REPL double, not from Lean; they are not Lean verdicts."));
  }
  if (data.envs.length > 1) {
    banners.appendChild(el("div", { class: "banner warn", id: "env-banner" }, "These results come from " + data.envs.length + " different environments: compare pass rates with care."));
  }

  const n = S.passAtK.length;
  const cards = [
    ["items", "Items", String(S.items), S.byStatus.skipped ? S.byStatus.skipped + " skipped by early stop" : S.ran + " ran"],
    ["problems", "Problems", String(S.groups.total), S.groups.passed + " solved"],
    ["pass1", "pass@1", n ? pct(S.passAtK[0]) : "–", "unbiased estimate"],
    ["passk", "pass@" + (n || "k"), n ? pct(S.passAtK[n - 1]) : "–", "k = " + (n || 0) + " attempts per problem"],
    ["valid", "Valid", pct(S.validRate), S.valid + " of " + S.ran + " that ran"],
    ["timeouts", "Timeouts", String(S.byStatus.timeout), ""],
    ["crashes", "Crashes", String(S.byStatus.crashed), S.byStatus.rejected ? S.byStatus.rejected + " rejected" : ""],
    ["runtime", "Run time", (S.spanMs / 1000).toFixed(1) + " s", "first submission to last result"],
  ];
  for (const t of data.trust) cards.push(["trust-" + t.level, "Trust: " + t.level, String(t.valid), "valid of " + t.items + " items"]);
  const headline = $("headline");
  for (const [id, label, value, sub] of cards) {
    const c = el("div", { class: "card" });
    c.appendChild(el("div", { class: "label" }, label));
    c.appendChild(el("div", { class: "value", id: "h-" + id }, value));
    if (sub) c.appendChild(el("div", { class: "sub" }, sub));
    headline.appendChild(c);
  }

  // ---- charts (uPlot) ------------------------------------------------------------------------------------------
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

  // ---- baseline ------------------------------------------------------------------------------------------------
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

  // ---- problems table (virtualised) ----------------------------------------------------------------------------
  const ROW_H = 30;
  const any = (col) => col.some((v) => v >= 0);
  const columns = [
    { key: "name", label: "Problem", width: "minmax(160px, 1.3fr)", text: (i) => P.name[i] },
    { key: "status", label: "Status", width: "110px", badge: true, text: (i) => data.statuses[P.status[i]] },
    { key: "attempts", label: "Valid / ran", width: "150px", num: true, text: (i) => P.valid[i] + " / " + P.ran[i] + (P.ran[i] !== P.attempts[i] ? " (+" + (P.attempts[i] - P.ran[i]) + " skipped)" : "") },
    { key: "best", label: "Best time", width: "90px", num: true, text: (i) => ms(P.bestMs[i]) },
    { key: "error", label: "First error", width: "minmax(200px, 2.6fr)", cls: "c-error", text: (i) => str(P.error[i]).split("\n")[0] },
  ];
  if (any(P.trust)) columns.push({ key: "trust", label: "Trust", width: "80px", text: (i) => str(P.trust[i]) });
  if (any(P.checks)) columns.push({ key: "checks", label: "Failed checks", width: "minmax(120px, 1fr)", text: (i) => str(P.checks[i]) });
  if (any(P.envs)) columns.push({ key: "envs", label: "Environment", width: "120px", text: (i) => str(P.envs[i]) });
  const table = $("problems");
  table.style.setProperty("--cols", columns.map((c) => c.width).join(" "));

  const collator = new Intl.Collator("en", { numeric: true });
  const keyOf = {
    name: (a, b) => collator.compare(P.name[a], P.name[b]),
    status: (a, b) => P.status[a] - P.status[b],
    attempts: (a, b) => P.valid[a] - P.valid[b] || P.ran[a] - P.ran[b],
    best: (a, b) => (P.bestMs[a] < 0) - (P.bestMs[b] < 0) || P.bestMs[a] - P.bestMs[b],
    error: (a, b) => collator.compare(str(P.error[a]), str(P.error[b])),
    trust: (a, b) => collator.compare(str(P.trust[a]), str(P.trust[b])),
    checks: (a, b) => collator.compare(str(P.checks[a]), str(P.checks[b])),
    envs: (a, b) => collator.compare(str(P.envs[a]), str(P.envs[b])),
  };
  const sort = { key: null, dir: 1 };
  const thead = $("thead");
  for (const c of columns) {
    const b = el("button", { type: "button", "data-sort": c.key, class: c.num ? "num" : "", role: "columnheader", "aria-sort": "none" }, c.label);
    b.addEventListener("click", () => {
      sort.dir = sort.key === c.key ? -sort.dir : 1;
      sort.key = c.key;
      for (const o of thead.children) o.setAttribute("aria-sort", o === b ? (sort.dir > 0 ? "ascending" : "descending") : "none");
      apply();
    });
    thead.appendChild(b);
  }

  // Status filter: every problem status present, with its count.
  const counts = new Array(data.statuses.length).fill(0);
  for (let i = 0; i < P.count; i++) counts[P.status[i]]++;
  const fs = $("f-status");
  fs.appendChild(el("option", { value: "" }, "all statuses (" + P.count + ")"));
  data.statuses.forEach((s, i) => counts[i] && fs.appendChild(el("option", { value: String(i) }, s + " (" + counts[i] + ")")));
  const ft = $("f-text");
  let haystack = null; // lower-cased searchable text per problem, built on first use
  const textOf = (i) => (P.name[i] + "\n" + str(P.error[i]) + "\n" + str(P.checks[i]) + "\n" + str(P.envs[i]) + "\n" + str(P.trust[i])).toLowerCase();

  let view = new Int32Array(0); // problem indexes in display order
  function apply() {
    const status = fs.value === "" ? -1 : Number(fs.value);
    const q = ft.value.trim().toLowerCase();
    if (q && !haystack) haystack = Array.from({ length: P.count }, (_, i) => textOf(i));
    const out = [];
    for (let i = 0; i < P.count; i++) {
      if (status >= 0 && P.status[i] !== status) continue;
      if (q && haystack[i].indexOf(q) < 0) continue;
      out.push(i);
    }
    if (sort.key) {
      const cmp = keyOf[sort.key];
      out.sort((a, b) => sort.dir * cmp(a, b) || a - b);
    }
    view = Int32Array.from(out);
    $("count").textContent = view.length + " of " + P.count + " problems";
    $("spacer").style.height = view.length * ROW_H + "px";
    viewport.scrollTop = Math.min(viewport.scrollTop, Math.max(0, view.length * ROW_H - viewport.clientHeight));
    render(true);
  }

  const viewport = $("viewport");
  const spacer = $("spacer");
  const pool = [];
  let selected = -1;
  let first = -1;
  function rowEl() {
    const r = el("div", { class: "row", role: "row" });
    for (const c of columns) {
      const d = el("div", { class: (c.num ? "num " : "") + (c.cls || "") + " c-" + c.key });
      if (c.badge) d.appendChild(el("span", { class: "badge" }));
      r.appendChild(d);
    }
    r.addEventListener("click", () => select(Number(r.dataset.index)));
    spacer.appendChild(r);
    return r;
  }
  function render(force) {
    const start = Math.max(0, Math.floor(viewport.scrollTop / ROW_H) - 10);
    if (!force && start === first) return;
    first = start;
    const end = Math.min(view.length, start + Math.ceil((viewport.clientHeight || 600) / ROW_H) + 20);
    while (pool.length < end - start) pool.push(rowEl());
    for (let k = 0; k < pool.length; k++) {
      const r = pool[k];
      const pos = start + k;
      if (pos >= end) {
        r.hidden = true;
        continue;
      }
      const i = view[pos];
      r.hidden = false;
      r.dataset.index = String(i);
      r.dataset.name = P.name[i];
      r.style.transform = "translateY(" + pos * ROW_H + "px)";
      r.classList.toggle("selected", i === selected);
      columns.forEach((c, j) => {
        const cell = r.children[j];
        const t = c.text(i);
        if (c.badge) {
          cell.firstChild.textContent = t;
          cell.firstChild.className = "badge " + t;
        } else cell.textContent = t;
        if (c.key === "name" || c.key === "error") cell.title = c.key === "error" ? str(P.error[i]) : t;
      });
    }
  }
  viewport.addEventListener("scroll", () => render(false), { passive: true });

  // The selected problem, with its whole first error message.
  function select(i) {
    selected = i;
    const d = $("detail");
    d.hidden = false;
    d.textContent = "";
    d.appendChild(el("h3", null, P.name[i]));
    const dl = el("dl");
    const add = (k, v) => {
      if (!v) return;
      dl.appendChild(el("dt", null, k));
      dl.appendChild(el("dd", null, v));
    };
    add("status", data.statuses[P.status[i]]);
    add("attempts", P.valid[i] + " valid of " + P.ran[i] + " that ran (" + P.attempts[i] + " items)");
    add("best time", ms(P.bestMs[i]));
    add("trust", str(P.trust[i]));
    add("failed checks", str(P.checks[i]));
    add("environment", str(P.envs[i]));
    d.appendChild(dl);
    if (P.error[i] >= 0) {
      d.appendChild(el("div", { class: "caption" }, "first error message"));
      d.appendChild(el("pre", { id: "detail-error" }, str(P.error[i])));
    }
    render(true);
  }

  let debounce = 0;
  ft.addEventListener("input", () => {
    clearTimeout(debounce);
    debounce = setTimeout(apply, P.count > 20000 ? 150 : 0);
  });
  fs.addEventListener("change", apply);
  apply();

  // Hooks for tests and the benchmark: the filtered, sorted problem names, and a flag once the page is usable.
  window.leanfleetReport = { visibleNames: () => Array.from(view, (i) => P.name[i]), apply };
  document.body.dataset.ready = "1";
})();
