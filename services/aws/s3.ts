// ObjectStore on Amazon S3 (and on fauxqs locally): results, claim-checked inputs and markers.
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import type { ObjectPage, ObjectStore } from "../core/index.js";

/**
 * How `put(…, {ifAbsent})` is made conditional.
 * - `native`: one PutObject with `If-None-Match: *`; S3 refuses the write atomically (412) when the key exists.
 * - `head-then-put`: HeadObject first, then the same conditional PutObject. For servers that ignore `If-None-Match`
 *   on PUT (fauxqs 2.4.1 does): two writers racing between the HEAD and the PUT can both write; the last one wins.
 *   The worker tolerates that race because both writers store a result of the same job.
 */
export type ConditionalWrites = "native" | "head-then-put";

/** Options of {@link S3ObjectStore}. */
export interface S3ObjectStoreOptions {
  /** An S3 client; with a custom endpoint it must use `forcePathStyle: true` ({@link createAwsClients} does that). */
  client: S3Client;
  bucket: string;
  /** @default "native" */
  conditionalWrites?: ConditionalWrites;
}

const NOT_FOUND = new Set(["NoSuchKey", "NotFound"]);
const PRECONDITION = new Set(["PreconditionFailed", "ConditionalRequestConflict"]);

function errName(err: unknown): string {
  return (err as { name?: string }).name ?? "";
}
function errStatus(err: unknown): number | undefined {
  return (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
}

/** One bucket as an {@link ObjectStore}. */
export class S3ObjectStore implements ObjectStore {
  readonly #client: S3Client;
  readonly #bucket: string;
  readonly #conditional: ConditionalWrites;

  constructor(options: S3ObjectStoreOptions) {
    this.#client = options.client;
    this.#bucket = options.bucket;
    this.#conditional = options.conditionalWrites ?? "native";
  }

  /** The bucket name. */
  get bucket(): string {
    return this.#bucket;
  }

  async put(key: string, body: string, options: { ifAbsent?: boolean; contentType?: string } = {}): Promise<boolean> {
    if (options.ifAbsent && this.#conditional === "head-then-put" && (await this.exists(key))) return false;
    try {
      await this.#client.send(
        new PutObjectCommand({
          Bucket: this.#bucket,
          Key: key,
          Body: body,
          ContentType: options.contentType ?? "application/json",
          ...(options.ifAbsent ? { IfNoneMatch: "*" } : {}),
        }),
      );
      return true;
    } catch (err) {
      // 412: the key exists; 409: another conditional write of the same key is in progress and will win.
      if (options.ifAbsent && (PRECONDITION.has(errName(err)) || errStatus(err) === 412 || errStatus(err) === 409))
        return false;
      throw err;
    }
  }

  async get(key: string): Promise<string | undefined> {
    try {
      const out = await this.#client.send(new GetObjectCommand({ Bucket: this.#bucket, Key: key }));
      return (await out.Body?.transformToString("utf-8")) ?? "";
    } catch (err) {
      if (NOT_FOUND.has(errName(err)) || errStatus(err) === 404) return undefined;
      throw err;
    }
  }

  async exists(key: string): Promise<boolean> {
    try {
      await this.#client.send(new HeadObjectCommand({ Bucket: this.#bucket, Key: key }));
      return true;
    } catch (err) {
      if (NOT_FOUND.has(errName(err)) || errStatus(err) === 404) return false;
      throw err;
    }
  }

  async list(prefix: string, options: { startAfter?: string; limit?: number } = {}): Promise<ObjectPage> {
    const limit = Math.max(1, Math.min(1000, options.limit ?? 1000));
    const out = await this.#client.send(
      new ListObjectsV2Command({
        Bucket: this.#bucket,
        Prefix: prefix,
        MaxKeys: limit,
        ...(options.startAfter !== undefined ? { StartAfter: options.startAfter } : {}),
      }),
    );
    const keys = (out.Contents ?? []).map((c) => c.Key ?? "").filter((k) => k !== "");
    const page: ObjectPage = { keys };
    if (out.IsTruncated && keys.length > 0) page.next = keys[keys.length - 1]!;
    return page;
  }

  async delete(key: string): Promise<void> {
    await this.#client.send(new DeleteObjectCommand({ Bucket: this.#bucket, Key: key }));
  }
}
