// The report page's script, last part (shares common.js's scope): the problems table, which keeps only the rows in
// view in the DOM so a run of 100,000 problems scrolls, sorts and filters without delay; then the page is ready.
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
