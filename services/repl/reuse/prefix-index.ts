// The pool's prefix index: for every REPL, which command prefixes it has elaborated (per base state), in one
// memory-bounded radix trie per base so that a lookup costs O(length of the text) whatever the history size.
import { splitSource, type SourceSplit } from "./command-split.js";
import { holderIds, holderOf, RadixTrie, type TrieNode } from "./prefix-trie.js";

/** Base state of a fresh-session command (no `env`). Handles (`env_…`) are bases too. */
export const FRESH_BASE = "";

/** Defaults of {@link PrefixIndex}. */
export const PREFIX_INDEX_DEFAULTS = {
  /**
   * Budget for the whole index (all REPLs, all bases), in bytes of the accounting in {@link PrefixIndex.bytes};
   * least recently used entries are evicted past it.
   * @default 67108864 (64 MiB)
   */
  budgetBytes: 64 * 1024 * 1024,
} as const;

/** Options of {@link PrefixIndex}. */
export interface PrefixIndexOptions {
  /** @default PREFIX_INDEX_DEFAULTS.budgetBytes */
  budgetBytes?: number;
}

/** One REPL's longest stored prefix of a text. */
export interface PrefixMatch {
  replId: string;
  /** Characters of the (start-trimmed) text covered by whole commands that REPL has already elaborated. */
  chars: number;
}

/** Bytes of one entry: the object with its LRU links, and its slot in the per-REPL set (see prefix-trie.ts). */
const ENTRY_BYTES = 72 + 24;

/** Upper bound of what removing the entry at `node` frees in the trie: the node and its label. */
const entryNodeBytes = (node: { label: string }): number => 64 + 24 + 2 * node.label.length;

interface Entry {
  node: TrieNode<Entry>;
  replId: string;
  base: string;
  /** LRU list links (older, newer). */
  older: Entry | null;
  newer: Entry | null;
}

/**
 * Radix tries of elaborated command prefixes, one per base state, shared by all REPLs of a pool: a node that ends
 * a stored key lists the REPLs holding it. Keys are what the fork's trie stores: the text up to each command's end,
 * trimmed of ASCII whitespace. Entries are evicted least recently used first once {@link bytes} passes the budget.
 */
export class PrefixIndex {
  readonly budgetBytes: number;
  readonly #trie = new RadixTrie<Entry>();
  readonly #byRepl = new Map<string, Set<Entry>>();
  /** Least recently stored or refreshed entry, and the most recent one. */
  #oldest: Entry | null = null;
  #newest: Entry | null = null;
  #size = 0;
  #evicted = 0;
  #version = 0;

  constructor(options: PrefixIndexOptions = {}) {
    this.budgetBytes = options.budgetBytes ?? PREFIX_INDEX_DEFAULTS.budgetBytes;
    if (!(this.budgetBytes > 0)) throw new RangeError(`budgetBytes must be positive, got ${this.budgetBytes}`);
  }

  /** Estimated bytes held by the index (nodes, labels, maps, entries), kept at or below `budgetBytes`. */
  get bytes(): number {
    return this.#trie.bytes + this.#size * ENTRY_BYTES;
  }

  /** Stored (REPL, key) entries. */
  get size(): number {
    return this.#size;
  }

  /** Changes on every insert, eviction or drop: a lookup result computed at one version stays valid until it changes. */
  get version(): number {
    return this.#version;
  }

  /** Entries evicted so far to stay within the budget. */
  get evicted(): number {
    return this.#evicted;
  }

  /**
   * Record that `replId` elaborated `text` on `base`: every command prefix of the text becomes a key held by that
   * REPL (refreshed if already there). One walk of the trie: O(length of the text). Returns the number of keys.
   * `split` is the text's {@link splitSource}, when the caller has it already.
   */
  record(replId: string, text: string, base: string = FRESH_BASE, split: SourceSplit = splitSource(text)): number {
    const ends = split.keyEnds.map((e) => e - split.keyStart);
    this.insertKeys(replId, text.slice(split.keyStart), ends, base);
    return ends.length;
  }

  /**
   * Store the keys `text.slice(0, e)` for every `e` of `keyEnds` (ascending) for `replId` on `base`. `text` must
   * already be start-trimmed. Prefer {@link record}, which splits the text into commands.
   */
  insertKeys(replId: string, text: string, keyEnds: readonly number[], base: string = FRESH_BASE): void {
    this.#version++;
    const held: Entry[] = [];
    this.#trie.insert(base, text, keyEnds, (node) => held.push(this.#hold(node, replId, base)));
    // Longest keys count as older: under pressure a text loses its tail first and its shared prefix last (and
    // removing a leaf is cheaper than merging an inner node).
    for (let i = held.length - 1; i >= 0; i--) this.#append(held[i]!);
    if (this.bytes <= this.budgetBytes) return;
    // Evict oldest first until the estimate fits (the trie's bytes shrink only once the batch is removed, so count
    // what each entry frees at most: its own share, its node and its label).
    const evict: Entry[] = [];
    let over = this.bytes - this.budgetBytes;
    for (let e = this.#oldest; e !== null && over > 0; e = e.newer) {
      evict.push(e);
      over -= ENTRY_BYTES + entryNodeBytes(e.node);
    }
    this.#removeMany(evict);
    this.#evicted += evict.length;
    while (this.bytes > this.budgetBytes && this.#oldest !== null) {
      this.#removeMany([this.#oldest]);
      this.#evicted++;
    }
  }

  /**
   * For each REPL, the longest stored key on `base` that is a prefix of `text` and ends where one of the text's
   * own commands ends (so the whole commands before it are textually identical). Longest first. One walk:
   * O(length of the text) plus the REPLs met, whatever the number of stored keys. `split`: as in {@link record}.
   */
  longestMatch(text: string, base: string = FRESH_BASE, split: SourceSplit = splitSource(text)): PrefixMatch[] {
    const ends = split.keyEnds;
    const best = new Map<string, number>();
    let e = 0; // index into ends: first key end not yet passed
    this.#trie.walk(base, text.slice(split.keyStart), (node, depth) => {
      if (node.holders === null || depth === 0) return;
      while (e < ends.length && ends[e]! - split.keyStart < depth) e++;
      if (e < ends.length && ends[e]! - split.keyStart === depth) for (const id of holderIds(node)) best.set(id, depth);
    });
    return [...best].map(([replId, chars]) => ({ replId, chars })).sort((a, b) => b.chars - a.chars);
  }

  /** Forget everything `replId` held (call when that REPL restarts or is recycled: its states are gone). */
  dropRepl(replId: string): void {
    const entries = this.#byRepl.get(replId);
    if (entries === undefined) return;
    this.#version++;
    this.#removeMany([...entries]);
    this.#byRepl.delete(replId);
  }

  /** Forget everything. */
  clear(): void {
    this.#version++;
    this.#trie.clear();
    this.#byRepl.clear();
    this.#oldest = this.#newest = null;
    this.#size = 0;
  }

  /** The entry of `replId` at `node`, created if missing, taken out of the LRU list (the caller appends it). */
  #hold(node: TrieNode<Entry>, replId: string, base: string): Entry {
    const existing = holderOf(node, replId);
    if (existing !== undefined) {
      this.#unlink(existing);
      return existing;
    }
    const entry: Entry = { node, replId, base, older: null, newer: null };
    this.#trie.addHolder(node, entry);
    let set = this.#byRepl.get(replId);
    if (set === undefined) this.#byRepl.set(replId, (set = new Set()));
    set.add(entry);
    this.#size++;
    return entry;
  }

  #append(entry: Entry): void {
    entry.older = this.#newest;
    entry.newer = null;
    if (this.#newest) this.#newest.newer = entry;
    else this.#oldest = entry;
    this.#newest = entry;
  }

  #unlink(entry: Entry): void {
    if (entry.older === null && this.#oldest !== entry) return; // not in the list
    if (entry.older) entry.older.newer = entry.newer;
    else this.#oldest = entry.newer;
    if (entry.newer) entry.newer.older = entry.older;
    else this.#newest = entry.older;
    entry.older = entry.newer = null;
  }

  /** Remove entries in one pass over the trie (see RadixTrie.removeHolders: linear, whatever their order). */
  #removeMany(entries: readonly Entry[]): void {
    const removed: Entry[] = [];
    for (const entry of entries) {
      if (holderOf(entry.node, entry.replId) !== entry) continue;
      this.#unlink(entry);
      const mine = this.#byRepl.get(entry.replId);
      if (mine !== undefined && mine.delete(entry) && mine.size === 0) this.#byRepl.delete(entry.replId);
      this.#size--;
      removed.push(entry);
    }
    this.#trie.removeHolders(removed);
  }
}
