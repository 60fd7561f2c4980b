// Handles passed back and forth: the client keeps the handle records returned in results and attaches the chain
// of every handle a later request uses, so any worker of the fleet can rebuild the state.

/** A handle record as results return it (one link of a chain). */
export interface HandleRecordLike {
  handle: string;
  request: Record<string, unknown>;
  select: Record<string, unknown>;
  [extra: string]: unknown;
}

const HANDLE = /^(env|ps)_[0-9a-f]{32}$/;

/** The handle records this client has seen, by handle. */
export class HandleBook {
  readonly #records = new Map<string, HandleRecordLike>();

  /** Remember handle records (e.g. a result's `handles`); malformed entries are ignored. */
  record(records: unknown): void {
    if (!Array.isArray(records)) return;
    for (const r of records) {
      const rec = r as Partial<HandleRecordLike>;
      if (
        typeof rec?.handle === "string" &&
        HANDLE.test(rec.handle) &&
        typeof rec.request === "object" &&
        rec.request !== null &&
        typeof rec.select === "object"
      ) {
        this.#records.set(rec.handle, rec as HandleRecordLike);
      }
    }
  }

  /** True when the record of `handle` is known. */
  has(handle: string): boolean {
    return this.#records.has(handle);
  }

  /**
   * The chain of `handle`: its record and, transitively, the records of the handles its request uses, parents
   * first. Undefined when any link is unknown (the fleet may still hold the state; the server then decides).
   */
  chainFor(handle: string): HandleRecordLike[] | undefined {
    const out: HandleRecordLike[] = [];
    const seen = new Set<string>();
    const visit = (h: string): boolean => {
      if (seen.has(h)) return true;
      seen.add(h);
      const rec = this.#records.get(h);
      if (!rec) return false;
      for (const dep of [rec.request.env, rec.request.proofState])
        if (typeof dep === "string" && !visit(dep)) return false;
      out.push(rec);
      return true;
    };
    return visit(handle) ? out : undefined;
  }

  /** The combined chain for a request that uses these handles (undefined entries skipped). */
  chainForAll(handles: (string | undefined)[]): HandleRecordLike[] | undefined {
    const merged = new Map<string, HandleRecordLike>();
    for (const h of handles) {
      if (h === undefined) continue;
      const chain = this.chainFor(h);
      if (!chain) return undefined;
      for (const r of chain) merged.set(r.handle, r);
    }
    return merged.size > 0 ? [...merged.values()] : undefined;
  }
}
