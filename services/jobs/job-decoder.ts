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

type Poison = Extract<DecodedMessage, { kind: "poison" }>;

/** The message body as a JSON object of this worker's format version, or why it is poison. */
function readEnvelope(body: string): { obj: Record<string, unknown> } | Poison {
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
  return { obj };
}

/** The job a claim-check pointer names, read from `store`, or why it is poison. */
async function readClaim(obj: Record<string, unknown>, store: ObjectStore): Promise<{ candidate: unknown } | Poison> {
  const jobId = typeof obj.id === "string" ? obj.id : undefined;
  const pointer = claimSchema.safeParse(obj);
  if (!pointer.success)
    return {
      kind: "poison",
      reason: `malformed claim-check pointer: ${firstIssue(pointer.error)}`,
      ...(jobId ? { jobId } : {}),
    };
  const { claim, id } = pointer.data;
  const text = await store.get(claim);
  if (text === undefined) {
    return { kind: "poison", reason: `claim-checked input ${claim} is missing from the bucket`, jobId: id };
  }
  let candidate: unknown;
  try {
    candidate = JSON.parse(text);
  } catch (err) {
    return {
      kind: "poison",
      reason: `claim-checked input ${claim} is not JSON (${(err as Error).message})`,
      jobId: id,
    };
  }
  if (typeof candidate !== "object" || candidate === null || (candidate as { id?: unknown }).id !== id) {
    return { kind: "poison", reason: `claim-checked input ${claim} does not hold job ${id}`, jobId: id };
  }
  return { candidate };
}

/** Check a job against the schema and the fleet whose queue it came from. */
function checkJob(candidate: unknown, fleet: string, claimed: boolean): DecodedMessage {
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

/**
 * Decode a message body for `fleet`. Reads the claim-checked body from `store` when the message is a pointer.
 * Throws only on infrastructure errors (the store failing), which the caller leaves to redelivery.
 */
export async function decodeMessage(body: string, fleet: string, store: ObjectStore): Promise<DecodedMessage> {
  const envelope = readEnvelope(body);
  if ("kind" in envelope) return envelope;
  if (!("claim" in envelope.obj)) return checkJob(envelope.obj, fleet, false);
  const claimed = await readClaim(envelope.obj, store);
  if ("kind" in claimed) return claimed;
  return checkJob(claimed.candidate, fleet, true);
}
