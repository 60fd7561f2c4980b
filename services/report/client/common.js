// The report page's script, first part (inlined at generation time with charts.js and table.js, in this order, into one
// function scope; runs in the browser, no modules, no network): the data, shared helpers, header, banners, headline.
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

// Header, banners, headline.
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
