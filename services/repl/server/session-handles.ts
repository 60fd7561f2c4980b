// State handles: content-addressed names for REPL environments and proof states, the bounded cache of their
// chains (shared by every AutoLeanServer of a process), and rebuilding a handle on a REPL by replaying its chain.
import { createHash } from "node:crypto";
import { LEAN_REPL_DEFAULTS } from "../config.js";
import { InvalidRequestError, LeanFleetError, UnknownHandleError } from "../errors.js";
import { isHandle, type Handle, type HandleRecord, type HandleSelect, type LeanRequest } from "./outcome.js";
import type { ReplRequest, ReplResponse } from "../protocol/protocol.js";
import { validateRequest } from "../protocol/request-validation.js";

/** Rebuilding a handle failed: its replayed request got an error answer, or lacks the state the handle selects. */
export class HandleReplayError extends LeanFleetError {
  constructor(
    readonly handle: Handle,
    reason: string,
  ) {
    super(
      "handle_replay_failed",
      `could not rebuild handle ${handle}: ${reason}; run the chain's requests again from a fresh environment`,
      {
        handle,
        reason,
      },
    );
  }
}

/** The id fields of a request that may hold handles. */
const ID_FIELDS = ["env", "proofState"] as const;

/** JSON with object keys sorted at every level, so equal requests hash equally whatever their key order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (typeof value === "object" && value !== null) {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/**
 * The request as it is stored in a chain and hashed: `incrementality` dropped (it changes how fast a state is
 * built, not the state). Its `env` / `proofState` must be handles (or absent).
 */
export function canonicalRequest(request: LeanRequest): LeanRequest {
  if (!("incrementality" in request)) return request;
  const { incrementality: _speedOnly, ...rest } = request as LeanRequest & { incrementality?: boolean };
  return rest as LeanRequest;
}

/** The handle of the state `select` picks out of the answer to `request`: sha256 of canonical request and selector. */
export function handleFor(request: LeanRequest, select: HandleSelect): Handle {
  const prefix = select.kind === "env" ? "env_" : "ps_";
  const digest = createHash("sha256")
    .update(canonicalJson(canonicalRequest(request)))
    .update("\n")
    .update(canonicalJson(select))
    .digest("hex");
  return prefix + digest.slice(0, 32);
}

/** Handles named by a request's `env` / `proofState`. */
export function parentHandles(request: LeanRequest): Handle[] {
  const r = request as Record<string, unknown>;
  return ID_FIELDS.map((f) => r[f]).filter(isHandle);
}

/** A request field holding a raw numeric id (which dies with its REPL process), if any. */
export function rawIdField(request: LeanRequest): (typeof ID_FIELDS)[number] | null {
  const r = request as Record<string, unknown>;
  return ID_FIELDS.find((f) => typeof r[f] === "number") ?? null;
}

/**
 * Throws InvalidRequestError when a handle sits in the wrong field: `env` takes `env_…` handles, `proofState` takes
 * `ps_…` handles (an environment id sent as a proof state id would silently name another state).
 */
export function checkHandleFields(request: LeanRequest, where = ""): void {
  const r = request as Record<string, unknown>;
  for (const [field, prefix] of [
    ["env", "env_"],
    ["proofState", "ps_"],
  ] as const) {
    const v = r[field];
    if (isHandle(v) && !v.startsWith(prefix)) {
      throw new InvalidRequestError(
        `${where}${field}`,
        `${JSON.stringify(v)} is not a${field === "env" ? "n environment (env_…)" : " proof state (ps_…)"} handle`,
      );
    }
  }
}

/** One state a response created: how to select it, and its REPL id. */
export interface ResponseState {
  select: HandleSelect;
  id: number;
}

/** Every state a REPL answer creates: the env or proof state, each sorry's proof state, each tactic's proof state. */
export function statesOf(response: ReplResponse): ResponseState[] {
  if (response.kind === "error") return [];
  const out: ResponseState[] = [];
  if (response.kind === "command") out.push({ select: { kind: "env" }, id: response.value.env });
  else out.push({ select: { kind: "proofState" }, id: response.value.proofState });
  (response.value.sorries ?? []).forEach((s, index) => {
    if (typeof s.proofState === "number") out.push({ select: { kind: "sorry", index }, id: s.proofState });
  });
  if (response.kind === "command") {
    (response.value.tactics ?? []).forEach((t, index) =>
      out.push({ select: { kind: "tactic", index }, id: t.proofState }),
    );
  }
  return out;
}

/**
 * The answer as the caller sees it with `keep`: `env`, `proofState`, every sorry's and every tactic's proof state
 * replaced by handles (the id fields then hold strings; other fields are untouched).
 */
export function rewriteResponse(response: ReplResponse, request: LeanRequest): ReplResponse {
  if (response.kind === "error") return response;
  const h = (select: HandleSelect) => handleFor(request, select) as unknown as number;
  const sorries = response.value.sorries?.map((s, index) =>
    typeof s.proofState === "number" ? { ...s, proofState: h({ kind: "sorry", index }) } : s,
  );
  const withSorries = sorries ? { sorries } : {};
  if (response.kind === "proofStep") {
    return { kind: "proofStep", value: { ...response.value, ...withSorries, proofState: h({ kind: "proofState" }) } };
  }
  const tactics = response.value.tactics?.map((t, index) => ({ ...t, proofState: h({ kind: "tactic", index }) }));
  return {
    kind: "command",
    value: { ...response.value, ...withSorries, ...(tactics ? { tactics } : {}), env: h({ kind: "env" }) },
  };
}

/** The handle records a kept answer creates (one per state), all sharing the canonical request. */
export function recordsFor(request: LeanRequest, response: ReplResponse): HandleRecord[] {
  const canonical = canonicalRequest(request);
  return statesOf(response).map(({ select }) => ({ handle: handleFor(canonical, select), request: canonical, select }));
}

/** Options of {@link SessionCache}. */
export interface SessionCacheOptions {
  /** Records kept; least recently used evicted first. @default 10000 */
  maxRecords?: number;
}

/**
 * The chains behind handles, shared by every AutoLeanServer of a process (the servers keep their own handle → REPL
 * id maps, dropped on restart). Bounded: an LRU over records where using a record also refreshes its ancestors,
 * so an ancestor is never evicted before its descendants, and every cached handle keeps a complete chain.
 */
export class SessionCache {
  readonly maxRecords: number;
  readonly #records = new Map<Handle, HandleRecord>();

  constructor(opts: SessionCacheOptions = {}) {
    this.maxRecords = opts.maxRecords ?? LEAN_REPL_DEFAULTS.handleCacheMaxRecords;
  }

  /** Records held. */
  get size(): number {
    return this.#records.size;
  }

  /** True when the handle's record is held. */
  has(handle: Handle): boolean {
    return this.#records.has(handle);
  }

  /** The record of a handle (refreshing it and its ancestors), or undefined. */
  get(handle: Handle): HandleRecord | undefined {
    const record = this.#records.get(handle);
    if (record) this.touch(handle);
    return record;
  }

  /** Mark a handle and its ancestors as recently used. */
  touch(handle: Handle): void {
    const seen = new Set<Handle>();
    const stack = [handle];
    while (stack.length > 0) {
      const h = stack.pop()!;
      const r = this.#records.get(h);
      if (r === undefined || seen.has(h)) continue;
      seen.add(h);
      this.#records.delete(h);
      this.#records.set(h, r);
      stack.push(...parentHandles(r.request));
    }
  }

  /** Store records (a run's new handles, or an imported chain, parents first), then evict beyond maxRecords. */
  add(records: HandleRecord[]): void {
    for (const r of records) {
      this.#records.delete(r.handle);
      this.#records.set(r.handle, r);
      this.touch(r.handle);
    }
    while (this.#records.size > this.maxRecords) this.#records.delete(this.#records.keys().next().value!);
  }

  /**
   * Check records a caller carries (e.g. from a job payload) and store them. Each record must be well formed and
   * its handle must equal the hash of its own request and selector, so a chain cannot be forged or form a cycle.
   * Throws InvalidRequestError naming the bad record.
   */
  import(chain: HandleRecord[]): void {
    chain.forEach((r, i) => {
      const where = `chain[${i}]`;
      if (!isHandle(r?.handle))
        throw new InvalidRequestError(`${where}.handle`, `is not a handle: ${JSON.stringify(r?.handle)}`);
      if (rawIdField(r.request) !== null)
        throw new InvalidRequestError(`${where}.request`, "a chain request must name handles, not raw REPL ids");
      checkHandleFields(r.request, `${where}.request.`);
      const probe = { ...(r.request as Record<string, unknown>) };
      for (const f of ID_FIELDS) if (isHandle(probe[f])) probe[f] = 0;
      try {
        validateRequest(probe);
      } catch (err) {
        throw new InvalidRequestError(`${where}.request`, (err as Error).message);
      }
      if (handleFor(r.request, r.select) !== r.handle) {
        throw new InvalidRequestError(
          `${where}.handle`,
          `${r.handle} does not match its request and select (the chain was altered); pass records exactly as returned`,
        );
      }
    });
    this.add(chain);
  }

  /** The records needed to rebuild a handle anywhere, ancestors first. Throws UnknownHandleError if one is missing. */
  chainOf(handle: Handle): HandleRecord[] {
    const out: HandleRecord[] = [];
    const done = new Set<Handle>();
    const visit = (h: Handle, field: string) => {
      if (done.has(h)) return;
      done.add(h);
      const r = this.#records.get(h);
      if (r === undefined) throw new UnknownHandleError(h, field);
      for (const p of parentHandles(r.request)) visit(p, `${h}.request`);
      out.push(r);
    };
    visit(handle, "handle");
    return out;
  }
}

/** Runs one already-resolved request on the REPL that is rebuilding a handle (augmented by the caller). */
export type ReplayRunner = (request: ReplRequest) => Promise<ReplResponse>;

/**
 * The request with its handle fields replaced by this REPL's ids. `ids` is the REPL's handle → id map; a handle it
 * lacks is rebuilt by replaying its chain from `cache` (recursively, parents first), registering every state each
 * replayed request creates. Throws UnknownHandleError (no record), HandleReplayError (error answer, missing state
 * or a cycle), or whatever `replay` throws (timeout, crash).
 */
export async function resolveHandles(
  request: LeanRequest,
  ids: Map<Handle, number>,
  cache: SessionCache,
  replay: ReplayRunner,
  visiting: Set<Handle> = new Set(),
): Promise<ReplRequest> {
  const out = { ...(request as Record<string, unknown>) };
  for (const field of ID_FIELDS) {
    const h = out[field];
    if (!isHandle(h)) continue;
    cache.touch(h);
    let id = ids.get(h);
    if (id === undefined) {
      const record = cache.get(h);
      if (record === undefined) throw new UnknownHandleError(h, field);
      if (visiting.has(h)) throw new HandleReplayError(h, "its chain refers back to itself");
      visiting.add(h);
      const replayed = await replay(await resolveHandles(record.request, ids, cache, replay, visiting));
      visiting.delete(h);
      if (replayed.kind === "error")
        throw new HandleReplayError(h, `the REPL answered ${JSON.stringify(replayed.value.message)}`);
      for (const s of statesOf(replayed)) ids.set(handleFor(record.request, s.select), s.id);
      id = ids.get(h);
      if (id === undefined)
        throw new HandleReplayError(h, `the replayed answer has no ${canonicalJson(record.select)} state`);
    }
    out[field] = id;
  }
  return out as unknown as ReplRequest;
}
