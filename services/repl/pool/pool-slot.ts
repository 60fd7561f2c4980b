// One REPL of the pool and what the pool knows about its process (headers loaded, prefixes indexed, uses), plus
// running a request on it the way the pool's mode says (whole text with incrementality, or header split).
import { performance } from "node:perf_hooks";
import type { AutoLeanServer } from "../server/auto-lean-server.js";
import { headerKey, splitSource, type SourceSplit } from "../reuse/command-split.js";
import { splitHeader, type HeaderSplit } from "../reuse/header-split.js";
import type { LeanRequest, RunOptions, RunOutcome } from "../server/outcome.js";
import { FRESH_BASE, type PrefixIndex } from "../reuse/prefix-index.js";
import { errorMessages } from "../protocol/protocol.js";
import { cachesHeader, type PoolMode } from "./pool-mode.js";
import type { ReplSlotView } from "./scheduling.js";
import { handleFor } from "../server/session-handles.js";

/** The index base of a command request: its env handle, the fresh base, or null for a raw id (not indexed). */
function indexBase(request: LeanRequest): string | null {
  if (!("cmd" in request)) return null;
  if (request.env === undefined) return FRESH_BASE;
  return typeof request.env === "string" ? request.env : null;
}

/** A pool member. The pool reads it as a {@link ReplSlotView}; restarts of its server reset what it knows. */
export class PoolSlot implements ReplSlotView {
  busy = false;
  readonly headers = new Set<string>();
  keyHeader: string | null = null;
  usesSinceStart = 0;
  lastUsedAt = 0;
  freedAt = 0;
  /** Restart at the end of the current lease (invalidateProject). */
  stale = false;
  /** Header of the current lease's fresh command (null for other requests, or when the mode caches no header). */
  leaseHeader: string | null = null;
  /** Whether the current lease's request found its header already loaded here (before this lease recorded it). */
  headerHeldAtLease = false;
  #needsPrewarm = false;

  constructor(
    readonly index: number,
    readonly server: AutoLeanServer,
    readonly prefixes: PrefixIndex,
  ) {
    server.on("restart", () => {
      prefixes.dropRepl(server.id);
      this.headers.clear();
      this.keyHeader = null;
      this.usesSinceStart = 0;
      this.#needsPrewarm = true;
    });
  }

  /** The server's id (`repl-N`). */
  get id(): string {
    return this.server.id;
  }

  /** True when the current process holds every one of these handles. */
  holds(handles: readonly string[]): boolean {
    return handles.every((h) => this.server.holds(h));
  }

  /**
   * Mark leased for `request`. Its header and prefixes are recorded at once, so that requests arriving meanwhile
   * see where that state is being built and wait for it instead of building it a second time elsewhere.
   */
  lease(mode: PoolMode, request: LeanRequest | undefined, split: SourceSplit | null): void {
    this.busy = true;
    this.lastUsedAt = performance.now();
    this.usesSinceStart++;
    this.headerHeldAtLease = false;
    this.leaseHeader = null;
    if (request === undefined || !("cmd" in request) || request.incrementality === false) return;
    if (request.env === undefined && (mode.incrementality || mode.headerSplit)) {
      const key = headerKey((split ?? splitSource(request.cmd)).imports);
      this.headerHeldAtLease = this.headers.has(key);
      if (cachesHeader(mode, key)) {
        this.leaseHeader = key;
        this.headers.add(key);
      }
    }
    if (mode.incrementality) {
      const base = indexBase(request);
      if (base !== null) this.prefixes.record(this.id, request.cmd, base, split ?? undefined);
    }
  }

  /** Restart the process now (Kimina's eviction): it loads the next request's header instead of the pre-warm. */
  async restartFor(header: string | null): Promise<void> {
    this.#needsPrewarm = false;
    this.keyHeader = header;
    await this.server.restart("recycle");
    this.#needsPrewarm = false; // the restart event asked for one; the request's own header replaces it
    this.headerHeldAtLease = false;
    if (this.leaseHeader !== null) this.headers.add(this.leaseHeader); // being loaded by the lease's request
  }

  /** Load the pool's pre-warm header (not counted as a use); true when it was loaded. */
  async prewarm(mode: PoolMode): Promise<boolean> {
    this.#needsPrewarm = false;
    if (mode.prewarmHeader === null) return false;
    const src = splitSource(mode.prewarmHeader);
    const key = headerKey(src.imports);
    let loaded = false;
    if (mode.headerSplit) {
      const split = splitHeader(mode.prewarmHeader, src);
      const timeout = { timeoutMs: mode.prewarmTimeoutMs };
      if (split !== null) loaded = (await ensureHeader(this, split, timeout, mode)).ran?.status === "ok";
    } else {
      const outcome = await this.server.run(
        { cmd: mode.prewarmHeader, ...(mode.incrementality ? {} : { incrementality: false }) },
        { timeoutMs: mode.prewarmTimeoutMs },
      );
      loaded = outcome.status === "ok";
      if (loaded && mode.incrementality) this.headers.add(key);
    }
    this.keyHeader = key;
    return loaded;
  }

  /** After a lease: restart when asked (recycling, invalidation), and re-warm a REPL that restarted. */
  async afterLease(mode: PoolMode, restart: boolean): Promise<void> {
    if (restart) await this.server.restart("recycle");
    if (this.#needsPrewarm) await this.prewarm(mode);
  }
}

/**
 * Make sure the slot's REPL has the header's environment (a handle of the header-only command): held already, or
 * rebuilt from the shared cache on first use, or elaborated now. Returns whether it was held, and the header run's
 * outcome when it ran here (null otherwise).
 */
async function ensureHeader(
  slot: PoolSlot,
  split: HeaderSplit,
  options: RunOptions,
  mode: PoolMode,
): Promise<{ handle: string; held: boolean; ran: RunOutcome | null }> {
  const request = { cmd: split.headerText, incrementality: false };
  const handle = handleFor(request, { kind: "env" });
  if (slot.server.holds(handle)) return { handle, held: true, ran: null };
  const timeout = options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {};
  const ran = await slot.server.run(request, {
    keep: true,
    ...timeout,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const clean =
    ran.status === "ok" &&
    ran.response !== undefined &&
    ran.response.kind === "command" &&
    errorMessages(ran.response).length === 0;
  if (clean) {
    slot.headers.add(split.key);
  } else if (ran.status === "ok") {
    (mode.badHeaders ??= new Set()).add(split.key);
  }
  return { handle, held: false, ran };
}

/**
 * Run `request` on the slot's REPL as the mode says, and report what it reused: the fork reuses indexed prefixes and
 * cached headers itself (`incrementality`); in header-split mode the header's environment is reused and positions
 * are mapped back to the caller's text. `reusedChars` here counts a header already loaded on this REPL. `cmdSplit` is
 * the pool's split of `request.cmd` (null when it made none); a split in `options` is dropped (the body sent in
 * header-split mode is another text).
 */
export async function runOnSlot(
  slot: PoolSlot,
  request: LeanRequest,
  { split: _callers, ...options }: RunOptions,
  mode: PoolMode,
  cmdSplit: SourceSplit | null,
): Promise<RunOutcome> {
  const fresh = "cmd" in request && request.env === undefined;
  const text = fresh ? (request as { cmd: string }).cmd : null;
  const src = text !== null ? (cmdSplit ?? splitSource(text)) : null;
  const userIncrementality = (request as { incrementality?: boolean }).incrementality;
  const noIncrementality =
    ("cmd" in request || "path" in request) && !mode.incrementality && userIncrementality === undefined;
  if (text !== null && mode.headerSplit) {
    const split = splitHeader(text, src!);
    if (split !== null && !mode.badHeaders?.has(split.key)) {
      const header = await ensureHeader(slot, split, options, mode);
      if (header.ran !== null && header.ran.status !== "ok") return header.ran;
      if (!mode.badHeaders?.has(split.key)) {
        const body = {
          ...request,
          cmd: split.body,
          env: header.handle,
          ...(noIncrementality ? { incrementality: false } : {}),
        } as LeanRequest;
        const outcome = await slot.server.run(body, options);
        const response = outcome.response === undefined ? undefined : split.positions.mapResponse(outcome.response);
        if (outcome.status === "ok") slot.keyHeader ??= split.key;
        return {
          ...outcome,
          ...(response ? { response } : {}),
          durationMs: outcome.durationMs + (header.ran?.durationMs ?? 0),
          reusedChars: header.held ? split.bodyStart : 0,
        };
      }
    }
  }
  const key = src === null ? null : headerKey(src.imports);
  const headerHeld = key !== null && key !== "" && slot.headerHeldAtLease;
  const sent = noIncrementality ? ({ ...request, incrementality: false } as LeanRequest) : request;
  // The whole text goes to the REPL: hand its split on, so that the server does not parse the text again.
  const split = src ?? cmdSplit;
  const outcome = await slot.server.run(sent, split !== null ? { ...options, split } : options);
  if (outcome.status === "ok" && key !== null) {
    if (userIncrementality !== false && cachesHeader(mode, key)) slot.headers.add(key);
    slot.keyHeader ??= key;
  }
  if (outcome.status === "ok" && mode.incrementality && "cmd" in request && request.incrementality !== false) {
    const base = indexBase(request);
    if (base !== null) slot.prefixes.record(slot.id, request.cmd, base, cmdSplit ?? undefined);
  }
  return { ...outcome, reusedChars: headerHeld ? src!.headerEnd : 0 };
}
