// A bounded buffer for a child's stderr: always drained (a full pipe would stall the REPL), only the tail kept.

/** Keeps the last `capacityBytes` bytes written to it (the REPL's stderr), dropping older bytes. */
export class StderrRing {
  #chunks: Buffer[] = [];
  #size = 0;
  constructor(readonly capacityBytes: number) {}

  /** Append bytes, evicting the oldest beyond the capacity. */
  push(chunk: Buffer): void {
    if (chunk.length >= this.capacityBytes) {
      this.#chunks = [chunk.subarray(chunk.length - this.capacityBytes)];
      this.#size = this.capacityBytes;
      return;
    }
    this.#chunks.push(chunk);
    this.#size += chunk.length;
    while (this.#size - this.#chunks[0]!.length >= this.capacityBytes) this.#size -= this.#chunks.shift()!.length;
    if (this.#size > this.capacityBytes) {
      this.#chunks[0] = this.#chunks[0]!.subarray(this.#size - this.capacityBytes);
      this.#size = this.capacityBytes;
    }
  }

  /** The last `bytes` bytes as UTF-8 text. */
  tail(bytes = this.capacityBytes): string {
    const all = Buffer.concat(this.#chunks);
    return all.subarray(Math.max(0, all.length - bytes)).toString("utf8");
  }

  /** Bytes currently held. */
  get size(): number {
    return this.#size;
  }
}
