// The ports every unit shares (queue, object store, task protection, cluster status): small interfaces sized to the
// need. services/aws implements them on SQS, S3 and ECS; tests also use in-memory fakes (test/support/fakes.ts).

/** A message received from a job queue, leased until its visibility timeout. */
export interface ReceivedMessage {
  /** Queue-assigned message id. */
  messageId: string;
  /** Opaque lease token for extendLease / ack / release. */
  receipt: string;
  /** The message body (a JSON job message). */
  body: string;
  /** How many times this message has been received (1 on first delivery). */
  receiveCount: number;
  /** When the message was first sent, epoch milliseconds (if the queue reports it). */
  sentAtMs?: number;
}

/** Depth of a queue at one moment. */
export interface QueueDepth {
  visible: number;
  inFlight: number;
  delayed: number;
  /** Age of the oldest message in seconds, when known. */
  oldestAgeSeconds?: number;
}

/** One fleet's job queue (SQS in the cloud and locally on fauxqs; in memory in unit tests). */
export interface JobQueue {
  /** Enqueue one message body; returns its message id. */
  send(body: string): Promise<string>;
  /** Enqueue many bodies (batched 10 at a time on SQS); returns their message ids in order. */
  sendMany(bodies: string[]): Promise<string[]>;
  /** Long-poll for up to `max` messages, waiting at most `waitSeconds` when none is visible. */
  receive(max: number, waitSeconds: number): Promise<ReceivedMessage[]>;
  /** Keep a leased message invisible for `visibilitySeconds` more from now. */
  extendLease(receipt: string, visibilitySeconds: number): Promise<void>;
  /** Delete a leased message (the job is done). */
  ack(receipt: string): Promise<void>;
  /** Make a leased message visible again at once (the job was not started). */
  release(receipt: string): Promise<void>;
  /** Current depth. */
  depth(): Promise<QueueDepth>;
}

/** Listing page of an object store. */
export interface ObjectPage {
  keys: string[];
  /** Pass as `startAfter` to get the next page; absent on the last page. */
  next?: string;
}

/** Object storage for results, claim-checked inputs and markers (S3, fauxqs locally, in memory in tests). */
export interface ObjectStore {
  /** Write an object. With `ifAbsent`, keep an existing object and return false instead of overwriting. */
  put(key: string, body: string, options?: { ifAbsent?: boolean; contentType?: string }): Promise<boolean>;
  /** Read an object, or undefined when it does not exist. */
  get(key: string): Promise<string | undefined>;
  /** True when the object exists. */
  exists(key: string): Promise<boolean>;
  /** List keys under a prefix in lexicographic order, after `startAfter`, at most `limit` (default 1000). */
  list(prefix: string, options?: { startAfter?: string; limit?: number }): Promise<ObjectPage>;
  /** Delete an object (no error when absent). */
  delete(key: string): Promise<void>;
}

/** ECS task scale-in protection (a no-op locally). */
export interface TaskProtection {
  /** Protect this task from scale-in while `on`; release when false. */
  set(on: boolean): Promise<void>;
}

/** Task counts of one fleet's worker service, as ECS DescribeServices reports them. */
export interface TaskCounts {
  desired: number;
  running: number;
  pending: number;
}

/**
 * Task counts per fleet, for the API's `GET /v1/cluster`. In AWS it is ECS `DescribeServices`; the local cluster
 * answers from its own process table. Queue depths come from the fleets' {@link JobQueue}s, not from here.
 */
export interface ClusterStatus {
  /** Task counts of a fleet's workers, or undefined when this fleet has no known service. */
  tasks(fleet: string): Promise<TaskCounts | undefined>;
}
