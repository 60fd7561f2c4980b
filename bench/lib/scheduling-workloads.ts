// Workloads of bench/scheduling: an edit stream, a proof search and a cold mix of snippets, as request streams with
// the client concurrency each would have in practice. Deterministic (seeded), so every policy sees the same stream.

/** One request of a workload, with the stream it belongs to (requests of one stream run in order). */
export interface WorkItem {
  stream: number;
  cmd: string;
  header: string;
}

/** A workload: its streams (each run sequentially) and how many requests may be in flight at once. */
export interface Workload {
  name: string;
  description: string;
  items: WorkItem[];
  /** Requests in flight at most (a stream never has two in flight). */
  concurrency: number;
  /** Distinct headers and how many requests use each (for the ideal's "each header once per REPL" allowance). */
  headerUses: Map<string, number>;
}

function rng(seed: number): (n: number) => number {
  let s = seed >>> 0;
  return (n) => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s % n;
  };
}

function withUses(items: WorkItem[]): Map<string, number> {
  const uses = new Map<string, number>();
  for (const it of items) uses.set(it.header, (uses.get(it.header) ?? 0) + 1);
  return uses;
}

const PROOFS = [
  "simp",
  "omega",
  "rfl",
  "decide",
  "norm_num",
  "linarith",
  "aesop",
  "exact le_refl _",
  "ring",
  "positivity",
];

/**
 * Edit stream: `files` files of `commands` theorems under `import Mathlib`; `versions` versions in all (round-robin
 * over files); each version changes one of the last 5 commands of its file's previous version. One stream per
 * file (an editor waits for the check of version v before sending v+1).
 */
export function editStream(versions = 200, files = 10, commands = 40): Workload {
  const rand = rng(7);
  const state = Array.from({ length: files }, () => Array.from({ length: commands }, () => "omega"));
  const render = (f: number) =>
    "import Mathlib\n\n" +
    state[f]!.map(
      (proof, i) => `theorem file${f}_step${i} (a b : ℕ) (h : a ≤ b) : a + ${i} ≤ b + ${i} := by\n  ${proof}`,
    ).join("\n\n") +
    "\n";
  const items: WorkItem[] = [];
  for (let v = 0; v < versions; v++) {
    const f = v % files;
    if (v >= files) state[f]![commands - 1 - rand(5)] = PROOFS[rand(PROOFS.length)]!;
    items.push({ stream: f, cmd: render(f), header: "import Mathlib" });
  }
  return {
    name: "edit stream",
    description: `${versions} versions of ${files} files (${commands} theorems each under import Mathlib; each version edits one of the last 5)`,
    items,
    concurrency: files,
    headerUses: withUses(items),
  };
}

const SEARCH_HEADERS = [
  "import Mathlib",
  "import Mathlib\nimport Aesop",
  "import Mathlib.Tactic",
  "import Mathlib\nimport Batteries",
  "import Mathlib.Data.Real.Basic",
];

/**
 * Proof search: `candidates` candidate proofs for `theorems` theorems whose files share `SEARCH_HEADERS` (theorem
 * t uses header t mod 5); each candidate is header + the theorem's context (open, variable, 3 helper lemmas) + the
 * theorem with one candidate proof. Candidates arrive round by round over all theorems, `concurrency` in flight.
 */
export function proofSearch(candidates = 1000, theorems = 50, concurrency = 16): Workload {
  const rand = rng(11);
  const items: WorkItem[] = [];
  for (let k = 0; k < candidates; k++) {
    const t = k % theorems;
    const header = SEARCH_HEADERS[t % SEARCH_HEADERS.length]!;
    const context = [
      `open Nat Finset`,
      `variable {α : Type} [LinearOrder α]`,
      ...Array.from({ length: 3 }, (_, j) => `lemma thm${t}_aux${j} (n : ℕ) : n + ${j} = ${j} + n := by\n  omega`),
    ].join("\n\n");
    const proof = Array.from({ length: 1 + rand(3) }, () => PROOFS[rand(PROOFS.length)]!).join("\n  ");
    const cmd = `${header}\n\n${context}\n\ntheorem thm${t} (n : ℕ) (h : 0 < n) : n * ${t + 2} ≥ n + ${t + 1} := by\n  ${proof}\n-- candidate ${k}\n`;
    items.push({ stream: k, cmd, header });
  }
  return {
    name: "proof search",
    description: `${candidates} candidate proofs for ${theorems} theorems sharing ${SEARCH_HEADERS.length} headers (context of 5 commands + the candidate theorem), ${concurrency} in flight`,
    items,
    concurrency,
    headerUses: withUses(items),
  };
}

/** Cold mix: `snippets` unrelated snippets (1-3 commands each) over `headers` different headers, `concurrency` in flight. */
export function coldMixed(snippets = 500, headers = 20, concurrency = 16): Workload {
  const rand = rng(23);
  const items: WorkItem[] = [];
  for (let k = 0; k < snippets; k++) {
    const h = rand(headers);
    const header = h === 0 ? "import Mathlib" : `import Mathlib.Area${h}`;
    const cmds = Array.from(
      { length: 1 + rand(3) },
      (_, j) => `theorem snippet${k}_${j} (x : ℕ) : x + ${k} = ${k} + x := by\n  ${PROOFS[rand(PROOFS.length)]}`,
    );
    items.push({ stream: k, cmd: `${header}\n\n${cmds.join("\n\n")}\n`, header });
  }
  return {
    name: "cold mixed",
    description: `${snippets} unrelated snippets (1-3 theorems) over ${headers} headers, ${concurrency} in flight`,
    items,
    concurrency,
    headerUses: withUses(items),
  };
}

/**
 * Run a workload through `run`: streams keep their order, at most `concurrency` requests in flight, streams
 * started in order of their first item.
 */
export async function drive(workload: Workload, run: (item: WorkItem) => Promise<void>): Promise<void> {
  const streams = new Map<number, WorkItem[]>();
  for (const it of workload.items) {
    let s = streams.get(it.stream);
    if (!s) streams.set(it.stream, (s = []));
    s.push(it);
  }
  const queue = [...streams.values()];
  let next = 0;
  const worker = async () => {
    while (next < queue.length) {
      const stream = queue[next++]!;
      for (const item of stream) await run(item);
    }
  };
  // Streams of several items (edit stream) run one worker each; single-item streams share `concurrency` workers.
  await Promise.all(Array.from({ length: Math.min(workload.concurrency, queue.length) }, worker));
}
