// Runs the JobQueue contract against the in-memory fake and against SqsJobQueue on fauxqs.
import { afterAll, beforeAll } from "vitest";
import { MemoryJobQueue } from "../../support/fakes.js";
import { startFauxqsEnv, type FauxqsEnv } from "../helpers/fauxqs-env.js";
import { jobQueueContract } from "./job-queue.contract.js";

jobQueueContract("MemoryJobQueue", ({ visibilitySeconds, maxReceiveCount }) => {
  const dlq = new MemoryJobQueue();
  return { queue: new MemoryJobQueue({ visibilitySeconds, maxReceiveCount, deadLetter: dlq }), dlq };
});

let env: FauxqsEnv;
beforeAll(async () => {
  env = await startFauxqsEnv();
});
afterAll(async () => {
  await env?.close();
});
jobQueueContract("SqsJobQueue on fauxqs", (options) => {
  const { queue, dlq } = env.queue(options);
  return { queue, dlq };
});
