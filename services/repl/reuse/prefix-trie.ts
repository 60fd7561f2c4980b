// A compressed (radix) trie of strings, one root per base state, whose nodes carry per-REPL holders, with its own
// byte accounting; the prefix index builds on it (entries, LRU order, budget).

// Accounting constants (V8, 64-bit, no pointer compression, as Node ships), checked against heap growth by
// bench/prefix-index: a node object, a Map with its slots (only for nodes with several children or holders), and
// string bytes (2 per UTF-16 unit: an upper bound, V8 stores Latin-1 text in 1).
const NODE_BYTES = 64;
const MAP_BYTES = 160;
const MAP_SLOT_BYTES = 24;
const STRING_HEADER_BYTES = 24;

/** What a node can hold: something owned by one REPL. */
export interface Holder {
  readonly replId: string;
}

/** A trie node: the key ending here is the concatenation of the labels from the root. */
export interface TrieNode<H extends Holder> {
  /** Edge label from the parent (a private copy, so no evicted text stays reachable through a sliced string). */
  label: string;
  parent: TrieNode<H> | null;
  /** No child, the only child, or children by the first UTF-16 unit of their label. */
  children: TrieNode<H> | Map<number, TrieNode<H>> | null;
  /** Holders of the key ending here: none, one, or by REPL id. */
  holders: H | Map<string, H> | null;
}

/** Copy a string so it does not keep its (possibly large) parent string alive (V8 slices share storage). */
function detach(s: string): string {
  return s.length < 13 ? s : (" " + s).slice(1);
}

const labelBytes = (s: string): number => STRING_HEADER_BYTES + 2 * s.length;
const mapBytes = (m: unknown): number => (m instanceof Map ? MAP_BYTES + m.size * MAP_SLOT_BYTES : 0);

function childAt<H extends Holder>(node: TrieNode<H>, code: number): TrieNode<H> | undefined {
  const c = node.children;
  if (c === null) return undefined;
  if (c instanceof Map) return c.get(code);
  return c.label.charCodeAt(0) === code ? c : undefined;
}

/** The holder of `replId` at `node`, if any. */
export function holderOf<H extends Holder>(node: TrieNode<H>, replId: string): H | undefined {
  const h = node.holders;
  if (h === null) return undefined;
  if (h instanceof Map) return h.get(replId);
  return h.replId === replId ? h : undefined;
}

/** Ids of the REPLs holding the key that ends at `node`. */
export function* holderIds<H extends Holder>(node: TrieNode<H>): Iterable<string> {
  const h = node.holders;
  if (h === null) return;
  if (h instanceof Map) yield* h.keys();
  else yield h.replId;
}

/** Radix tries keyed by base state. Node, label and map bytes are counted in {@link bytes}. */
export class RadixTrie<H extends Holder> {
  readonly #roots = new Map<string, TrieNode<H>>();
  #bytes = 0;

  /** Estimated bytes of nodes, labels and maps. */
  get bytes(): number {
    return this.#bytes;
  }

  /**
   * Walk (creating nodes as needed) along `text` and call `onKey` with the node ending at each of `keyEnds`
   * (ascending offsets into `text`). One pass over the text.
   */
  insert(base: string, text: string, keyEnds: readonly number[], onKey: (node: TrieNode<H>) => void): void {
    let root = this.#roots.get(base);
    if (root === undefined) {
      root = { label: "", parent: null, children: null, holders: null };
      this.#roots.set(base, root);
      this.#bytes += NODE_BYTES + labelBytes(base) + MAP_SLOT_BYTES;
    }
    let node: TrieNode<H> = root;
    let depth = 0;
    for (const end of keyEnds) {
      if (end <= depth) {
        if (end === depth && end > 0) onKey(node);
        continue;
      }
      while (depth < end) {
        const child: TrieNode<H> | undefined = childAt(node, text.charCodeAt(depth));
        if (child === undefined) {
          node = this.#addChild(node, detach(text.slice(depth, end)));
          depth = end;
          break;
        }
        const label = child.label;
        const limit = Math.min(label.length, end - depth);
        let k = 0;
        while (k < limit && label.charCodeAt(k) === text.charCodeAt(depth + k)) k++;
        if (k === label.length) {
          node = child;
          depth += k;
          continue;
        }
        node = this.#split(child, k);
        depth += k;
        if (depth < end) {
          node = this.#addChild(node, detach(text.slice(depth, end)));
          depth = end;
        }
      }
      onKey(node);
    }
  }

  /** Follow `text` from the root of `base` as far as it matches, calling `visit` at every node with its depth. */
  walk(base: string, text: string, visit: (node: TrieNode<H>, depth: number) => void): void {
    let node = this.#roots.get(base);
    let depth = 0;
    while (node !== undefined) {
      visit(node, depth);
      if (depth >= text.length) return;
      const child = childAt(node, text.charCodeAt(depth));
      if (child === undefined || !text.startsWith(child.label, depth)) return;
      node = child;
      depth += child.label.length;
    }
  }

  /** Make `holder` hold the key ending at `node` (replacing that REPL's previous holder there). */
  addHolder(node: TrieNode<H>, holder: H): void {
    const h = node.holders;
    if (h === null || (!(h instanceof Map) && h.replId === holder.replId)) node.holders = holder;
    else if (h instanceof Map) {
      const before = mapBytes(h);
      h.set(holder.replId, holder);
      this.#bytes += mapBytes(h) - before;
    } else {
      const m = new Map([
        [h.replId, h],
        [holder.replId, holder],
      ]);
      this.#bytes += mapBytes(m);
      node.holders = m;
    }
  }

  #dropHolder(node: TrieNode<H>, replId: string): void {
    const h = node.holders;
    if (h instanceof Map) {
      const before = mapBytes(h);
      h.delete(replId);
      this.#bytes += mapBytes(h) - before;
      if (h.size === 1) {
        this.#bytes -= mapBytes(h);
        node.holders = h.values().next().value!;
      }
    } else if (h !== null && h.replId === replId) {
      node.holders = null;
    }
  }

  /**
   * Remove many holders at once, then prune and merge the nodes they leave once each. Removing them one at a time
   * can merge a long chain of nodes again and again (each merge copying the growing label): quadratic in the text.
   * Here every node is pruned at most once and every merged chain is joined once: linear in the labels touched.
   */
  removeHolders(items: Iterable<{ node: TrieNode<H>; replId: string; base: string }>): void {
    const touched: { node: TrieNode<H>; base: string }[] = [];
    for (const { node, replId, base } of items) {
      this.#dropHolder(node, replId);
      touched.push({ node, base });
    }
    const gone = new Set<TrieNode<H>>();
    const stops: TrieNode<H>[] = [];
    for (const { node, base } of touched) {
      if (gone.has(node)) continue;
      const stop = this.#pruneLeaves(node, base, gone);
      if (stop !== null) stops.push(stop);
    }
    for (const node of stops) {
      if (!gone.has(node) && this.#mergeable(node)) this.#mergeChain(node, gone);
    }
  }

  /** Forget everything. */
  clear(): void {
    this.#roots.clear();
    this.#bytes = 0;
  }

  #setChildren(node: TrieNode<H>, children: TrieNode<H>["children"]): void {
    this.#bytes += mapBytes(children) - mapBytes(node.children);
    node.children = children;
  }

  #addChild(parent: TrieNode<H>, label: string): TrieNode<H> {
    const node: TrieNode<H> = { label, parent, children: null, holders: null };
    this.#bytes += NODE_BYTES + labelBytes(label);
    this.#attach(parent, node);
    return node;
  }

  /** Make `child` a child of `parent` (replacing the child with the same first character, if any). */
  #attach(parent: TrieNode<H>, child: TrieNode<H>): void {
    const code = child.label.charCodeAt(0);
    const c = parent.children;
    if (c === null || (!(c instanceof Map) && c.label.charCodeAt(0) === code)) {
      parent.children = child;
    } else if (c instanceof Map) {
      const before = mapBytes(c);
      c.set(code, child);
      this.#bytes += mapBytes(c) - before;
    } else {
      this.#setChildren(
        parent,
        new Map([
          [c.label.charCodeAt(0), c],
          [code, child],
        ]),
      );
    }
    child.parent = parent;
  }

  #detachChild(parent: TrieNode<H>, child: TrieNode<H>): void {
    const c = parent.children;
    if (c instanceof Map) {
      const before = mapBytes(c);
      c.delete(child.label.charCodeAt(0));
      this.#bytes += mapBytes(c) - before;
      if (c.size === 1) this.#setChildren(parent, c.values().next().value!);
    } else if (c === child) {
      parent.children = null;
    }
  }

  /** Split `child`'s edge after `k` characters; returns the new middle node. */
  #split(child: TrieNode<H>, k: number): TrieNode<H> {
    const parent = child.parent!;
    const head = detach(child.label.slice(0, k));
    const tail = detach(child.label.slice(k));
    this.#bytes += labelBytes(head) + labelBytes(tail) - labelBytes(child.label);
    const mid: TrieNode<H> = { label: head, parent, children: null, holders: null };
    this.#bytes += NODE_BYTES;
    this.#attach(parent, mid); // replaces child (same first character)
    child.label = tail;
    this.#attach(mid, child);
    return mid;
  }

  /**
   * Remove `start` and its ancestors while they hold nothing and lead nowhere (recording them in `gone`); returns
   * the first node kept (null when the whole root went).
   */
  #pruneLeaves(start: TrieNode<H>, base: string, gone: Set<TrieNode<H>>): TrieNode<H> | null {
    let node: TrieNode<H> = start;
    while (node.parent !== null && node.holders === null && node.children === null) {
      const parent: TrieNode<H> = node.parent;
      this.#detachChild(parent, node);
      this.#bytes -= NODE_BYTES + labelBytes(node.label);
      gone.add(node);
      node = parent;
    }
    if (node.parent === null && node.children === null && node.holders === null && this.#roots.get(base) === node) {
      this.#roots.delete(base);
      this.#bytes -= NODE_BYTES + labelBytes(base) + MAP_SLOT_BYTES;
      return null;
    }
    return node;
  }

  /** A non-root node with no holders and exactly one child: it should be merged into that child. */
  #mergeable(node: TrieNode<H>): boolean {
    return node.parent !== null && node.holders === null && node.children !== null && !(node.children instanceof Map);
  }

  /** Merge the whole chain of mergeable nodes around `node` into the chain's last child, joining labels once. */
  #mergeChain(node: TrieNode<H>, gone: Set<TrieNode<H>>): void {
    let top = node;
    while (this.#mergeable(top.parent!)) top = top.parent!;
    const parent = top.parent!;
    const labels: string[] = [];
    let cur = top;
    let freed = 0;
    while (this.#mergeable(cur)) {
      labels.push(cur.label);
      freed += NODE_BYTES + labelBytes(cur.label);
      gone.add(cur);
      cur = cur.children as TrieNode<H>;
    }
    labels.push(cur.label);
    const label = detach(labels.join(""));
    this.#bytes += labelBytes(label) - labelBytes(cur.label) - freed;
    cur.label = label;
    this.#attach(parent, cur); // replaces top (same first character)
  }
}
