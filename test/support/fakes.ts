// In-memory fakes of the worker's ports (JobQueue with SQS lease semantics and redrive, ObjectStore), for unit tests.
// The contract suites in test/worker/contract run the same checks against these and against fauxqs.
import { randomUUID } from "node:crypto";
import { LeaseLostError } from "../../services/core/index.js";
import type {
  JobQueue,
  ObjectPage,
  ObjectStore,
  QueueDepth,
  ReceivedMessage,
  TaskProtection,
} from "../../services/core/index.js";

/** Operations whose next calls a test can make fail. */
type Op =
  "send" | "receive" | "extendLease" | "ack" | "release" | "depth" | "put" | "get" | "exists" | "list" | "delete";

/** Failure injection shared by the fakes: `failNext("ack", new Error("boom"), 2)` fails the next two acks. */
class Faults {
  readonly #pending = new Map<Op, { error: Error; times: number }>();
  set(op: Op, error: Error, times: number): void {
    this.#pending.set(op, { error, times });
  }
  check(op: Op): void {
    const f = this.#pending.get(op);
    if (!f) return;
    if (--f.times <= 0) this.#pending.delete(op);
    throw f.error;
  }
}

interface StoredMessage {
  messageId: string;
  body: string;
  sentAtMs: number;
  receiveCount: number;
  /** Epoch ms until which the message is invisible (0 = visible). */
  invisibleUntil: number;
  /** Receipt of the current lease (a new one per receive). */
  receipt: string | undefined;
}

/** Options of {@link MemoryJobQueue}. */
export interface MemoryJobQueueOptions {
  /** Default visibility timeout of a receive. @default 30 */
  visibilitySeconds?: number;
  /** Redrive: after this many receives, the next receive moves the message to `deadLetter`. @default - no redrive */
  maxReceiveCount?: number;
  /** The dead-letter queue of the redrive policy. */
  deadLetter?: MemoryJobQueue;
  /** Clock. @default Date.now (which vitest's fake timers also drive) */
  now?: () => number;
}

/**
 * A JobQueue in memory with SQS semantics: leases that expire and redeliver, receive counts, a fresh receipt per
 * receive (a stale receipt cannot extend or release, and deleting with it is silently ignored, as on SQS), long
 * polling that wakes on send, release and lease expiry, and redrive to a dead-letter queue after `maxReceiveCount`.
 */
export class MemoryJobQueue implements JobQueue {
  readonly #messages: StoredMessage[] = [];
  readonly #byReceipt = new Map<string, StoredMessage>();
  readonly #waiters = new Set<() => void>();
  readonly #faults = new Faults();
  readonly #visibilitySeconds: number;
  readonly #maxReceiveCount: number | undefined;
  readonly #deadLetter: MemoryJobQueue | undefined;
  readonly #now: () => number;
  #seq = 0;

  constructor(options: MemoryJobQueueOptions = {}) {
    this.#visibilitySeconds = options.visibilitySeconds ?? 30;
    this.#maxReceiveCount = options.maxReceiveCount;
    this.#deadLetter = options.deadLetter;
    this.#now = options.now ?? Date.now;
  }

  /** Make the next `times` calls of `op` throw `error`. */
  failNext(op: Op, error: Error, times = 1): void {
    this.#faults.set(op, error, times);
  }

  /** Every message still in the queue (visible or leased), oldest first. */
  snapshot(): Array<{ messageId: string; body: string; receiveCount: number; visible: boolean }> {
    const now = this.#now();
    return this.#messages.map((m) => ({
      messageId: m.messageId,
      body: m.body,
      receiveCount: m.receiveCount,
      visible: m.invisibleUntil <= now,
    }));
  }

  async send(body: string): Promise<string> {
    this.#faults.check("send");
    return this.#enqueue(body, `m-${++this.#seq}-${randomUUID().slice(0, 8)}`, this.#now());
  }

  async sendMany(bodies: string[]): Promise<string[]> {
    const ids: string[] = [];
    for (const b of bodies) ids.push(await this.send(b));
    return ids;
  }

  async receive(max: number, waitSeconds: number): Promise<ReceivedMessage[]> {
    this.#faults.check("receive");
    const deadline = this.#now() + Math.max(0, waitSeconds) * 1000;
    for (;;) {
      const got = this.#take(Math.max(1, Math.min(10, Math.floor(max))));
      if (got.length > 0) return got;
      const remaining = deadline - this.#now();
      if (remaining <= 0) return [];
      const nextExpiry = this.#messages.reduce(
        (min, m) => (m.invisibleUntil > this.#now() ? Math.min(min, m.invisibleUntil) : min),
        Infinity,
      );
      const sleep = Math.max(1, Math.min(remaining, nextExpiry - this.#now()));
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          this.#waiters.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, sleep);
        this.#waiters.add(wake);
      });
    }
  }

  async extendLease(receipt: string, visibilitySeconds: number): Promise<void> {
    this.#faults.check("extendLease");
    const m = this.#leased(receipt);
    m.invisibleUntil = this.#now() + Math.max(1, Math.ceil(visibilitySeconds)) * 1000;
  }

  async ack(receipt: string): Promise<void> {
    this.#faults.check("ack");
    const m = this.#byReceipt.get(receipt);
    this.#byReceipt.delete(receipt);
    // As on SQS: a stale receipt (the message was received again since) deletes nothing and raises nothing.
    if (!m || m.receipt !== receipt) return;
    this.#messages.splice(this.#messages.indexOf(m), 1);
  }

  async release(receipt: string): Promise<void> {
    this.#faults.check("release");
    const m = this.#leased(receipt);
    m.invisibleUntil = 0;
    this.#wake();
  }

  async depth(): Promise<QueueDepth> {
    this.#faults.check("depth");
    const now = this.#now();
    const visible = this.#messages.filter((m) => m.invisibleUntil <= now).length;
    return { visible, inFlight: this.#messages.length - visible, delayed: 0 };
  }

  #enqueue(body: string, messageId: string, sentAtMs: number): string {
    this.#messages.push({ messageId, body, sentAtMs, receiveCount: 0, invisibleUntil: 0, receipt: undefined });
    this.#wake();
    return messageId;
  }

  #take(max: number): ReceivedMessage[] {
    const now = this.#now();
    const out: ReceivedMessage[] = [];
    for (let i = 0; i < this.#messages.length && out.length < max; i++) {
      const m = this.#messages[i]!;
      if (m.invisibleUntil > now) continue;
      if (this.#maxReceiveCount !== undefined && this.#deadLetter && m.receiveCount >= this.#maxReceiveCount) {
        this.#messages.splice(i--, 1);
        if (m.receipt) this.#byReceipt.delete(m.receipt);
        this.#deadLetter.#enqueue(m.body, m.messageId, m.sentAtMs);
        continue;
      }
      if (m.receipt) this.#byReceipt.delete(m.receipt);
      m.receiveCount++;
      m.receipt = `r-${randomUUID()}`;
      m.invisibleUntil = now + this.#visibilitySeconds * 1000;
      this.#byReceipt.set(m.receipt, m);
      out.push({
        messageId: m.messageId,
        receipt: m.receipt,
        body: m.body,
        receiveCount: m.receiveCount,
        sentAtMs: m.sentAtMs,
      });
    }
    return out;
  }

  #leased(receipt: string): StoredMessage {
    const m = this.#byReceipt.get(receipt);
    if (!m || m.receipt !== receipt || m.invisibleUntil <= this.#now()) {
      throw new LeaseLostError(receipt, "MessageNotInflight: the message was deleted, or its lease expired");
    }
    return m;
  }

  #wake(): void {
    // A waiter removes only itself (and adds nothing back synchronously), which a Set iteration allows.
    for (const w of this.#waiters) w();
  }
}

/** An ObjectStore in memory (keys kept sorted on listing). `put` with `ifAbsent` is atomic, as S3's If-None-Match is. */
export class MemoryObjectStore implements ObjectStore {
  readonly #objects = new Map<string, { body: string; contentType: string }>();
  readonly #faults = new Faults();
  /** Count of calls per operation, for tests that check how much a code path costs. */
  readonly calls: Record<"put" | "get" | "exists" | "list" | "delete", number> = {
    put: 0,
    get: 0,
    exists: 0,
    list: 0,
    delete: 0,
  };

  /** Make the next `times` calls of `op` throw `error`. */
  failNext(op: Op, error: Error, times = 1): void {
    this.#faults.set(op, error, times);
  }

  /** Every key, sorted. */
  keys(): string[] {
    return [...this.#objects.keys()].sort();
  }

  async put(key: string, body: string, options: { ifAbsent?: boolean; contentType?: string } = {}): Promise<boolean> {
    this.calls.put++;
    this.#faults.check("put");
    if (options.ifAbsent && this.#objects.has(key)) return false;
    this.#objects.set(key, { body, contentType: options.contentType ?? "application/json" });
    return true;
  }

  async get(key: string): Promise<string | undefined> {
    this.calls.get++;
    this.#faults.check("get");
    return this.#objects.get(key)?.body;
  }

  async exists(key: string): Promise<boolean> {
    this.calls.exists++;
    this.#faults.check("exists");
    return this.#objects.has(key);
  }

  async list(prefix: string, options: { startAfter?: string; limit?: number } = {}): Promise<ObjectPage> {
    this.calls.list++;
    this.#faults.check("list");
    const limit = Math.max(1, Math.min(1000, options.limit ?? 1000));
    const all = this.keys().filter(
      (k) => k.startsWith(prefix) && (options.startAfter === undefined || k > options.startAfter),
    );
    const keys = all.slice(0, limit);
    return all.length > limit ? { keys, next: keys[keys.length - 1]! } : { keys };
  }

  async delete(key: string): Promise<void> {
    this.calls.delete++;
    this.#faults.check("delete");
    this.#objects.delete(key);
  }
}

/** TaskProtection that records every call. */
export class RecordingTaskProtection implements TaskProtection {
  /** Every `set` argument in order. */
  readonly calls: boolean[] = [];
  /** Current state. */
  on = false;
  async set(on: boolean): Promise<void> {
    this.calls.push(on);
    this.on = on;
  }
}

export { cleanAuditMessages, ScriptedRunner, type ScriptStep } from "./scripted-runner.js";
