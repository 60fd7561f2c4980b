// Runs the JobQueue contract against the in-memory fake and against SqsJobQueue on fauxqs over both transports.
import { afterAll, beforeAll } from "vitest";
import { MemoryJobQueue } from "../../support/fakes.js";
import { startFauxqsEnv, type FauxqsEnv } from "../../worker/helpers/fauxqs-env.js";
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
for (const transport of ["wire", "sdk"] as const) {
  jobQueueContract(`SqsJobQueue on fauxqs (${transport} transport)`, (options) => {
    const { queue, dlq } = env.queue({ ...options, transport });
    return { queue, dlq };
  });
}
