// Turns a queue message body into a job: JSON parse, claim-check resolution of large inputs from S3, schema check.
// Distinguishes poison (never runnable: leave it to the redrive policy) from a readable but invalid job (reject it).
import { FORMAT_VERSION, jobMessageSchema, jobSchema, type Job } from "./job.js";
import type { ObjectStore } from "../core/index.js";

/** The claim-check member of the message union (a job is parsed by jobSchema alone: one schema pass per message). */
const claimSchema = jobMessageSchema.options[1];

/** What a message body turned out to be. */
export type DecodedMessage =
  | { kind: "job"; job: Job; claimed: boolean }
  /** Not runnable now or ever by this worker (unparseable, unknown format version, claim-checked input missing). */
  | { kind: "poison"; reason: string; jobId?: string }
  /** A job with a readable id whose content is invalid: answered with a `rejected` result. */
  | { kind: "invalid"; reason: string; header: JobHeader };

/** The fields of a job readable even when the rest is invalid. */
export interface JobHeader {
  id: string;
  fleet: string;
  batchId?: string;
  group?: string;
  submittedAt?: string;
  /** The submitter's item id and meta (returned in the result). */
  itemId?: string;
  meta?: unknown;
}

function header(value: Record<string, unknown>, fallbackFleet: string): JobHeader | undefined {
  if (typeof value.id !== "string" || value.id === "" || value.id.length > 128) return undefined;
  const h: JobHeader = { id: value.id, fleet: typeof value.fleet === "string" ? value.fleet : fallbackFleet };
  if (typeof value.batchId === "string") h.batchId = value.batchId;
  if (typeof value.group === "string") h.group = value.group;
  if (typeof value.submittedAt === "string") h.submittedAt = value.submittedAt;
  if (typeof value.itemId === "string") h.itemId = value.itemId;
  if (value.meta !== undefined) h.meta = value.meta;
  return h;
}

function firstIssue(error: { issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }> }): string {
  const issue = error.issues[0];
  return issue ? `${issue.path.map(String).join(".") || "(job)"}: ${issue.message}` : "invalid job";
}

/**
 * Decode a message body for `fleet`. Reads the claim-checked body from `store` when the message is a pointer.
 * Throws only on infrastructure errors (the store failing), which the caller leaves to redelivery.
 */
export async function decodeMessage(body: string, fleet: string, store: ObjectStore): Promise<DecodedMessage> {
  let raw: unknown;
  try {
    raw = JSON.parse(body);
  } catch (err) {
    return { kind: "poison", reason: `message body is not JSON (${(err as Error).message})` };
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw))
    return { kind: "poison", reason: "message body is not a JSON object" };
  const obj = raw as Record<string, unknown>;
  const jobId = typeof obj.id === "string" ? obj.id : undefined;
  if (obj.v !== FORMAT_VERSION) {
    // A newer (or older) format: another worker version may run it; do not answer for it.
    return {
      kind: "poison",
      reason: `unknown job format version ${JSON.stringify(obj.v)} (this worker reads v${FORMAT_VERSION})`,
      ...(jobId ? { jobId } : {}),
    };
  }
  let claimed = false;
  let candidate: unknown = raw;
  if ("claim" in obj) {
    const pointer = claimSchema.safeParse(raw);
    if (!pointer.success)
      return {
        kind: "poison",
        reason: `malformed claim-check pointer: ${firstIssue(pointer.error)}`,
        ...(jobId ? { jobId } : {}),
      };
    const text = await store.get(pointer.data.claim);
    if (text === undefined) {
      return {
        kind: "poison",
        reason: `claim-checked input ${pointer.data.claim} is missing from the bucket`,
        jobId: pointer.data.id,
      };
    }
    try {
      candidate = JSON.parse(text);
    } catch (err) {
      return {
        kind: "poison",
        reason: `claim-checked input ${pointer.data.claim} is not JSON (${(err as Error).message})`,
        jobId: pointer.data.id,
      };
    }
    claimed = true;
    if (typeof candidate !== "object" || candidate === null || (candidate as { id?: unknown }).id !== pointer.data.id) {
      return {
        kind: "poison",
        reason: `claim-checked input ${pointer.data.claim} does not hold job ${pointer.data.id}`,
        jobId: pointer.data.id,
      };
    }
  }
  const h = header(candidate as Record<string, unknown>, fleet);
  const job = jobSchema.safeParse(candidate);
  if (!job.success) {
    if (!h) return { kind: "poison", reason: `job has no readable id: ${firstIssue(job.error)}` };
    return { kind: "invalid", reason: `invalid job: ${firstIssue(job.error)}`, header: h };
  }
  if (job.data.fleet !== fleet) {
    return {
      kind: "invalid",
      reason: `job is for fleet ${JSON.stringify(job.data.fleet)} but was queued on fleet ${JSON.stringify(fleet)}`,
      header: h!,
    };
  }
  return { kind: "job", job: job.data, claimed };
}
