// The job codec's sending: chunks of ten, bounded concurrency, large jobs claim-checked, and after a failure the
// exact index ranges that reached the queue (chunks already sending are waited for, queued ones never start).
import { describe, expect, it } from "vitest";
import {
  encodeJob,
  FORMAT_VERSION,
  inputKey,
  PartialSendError,
  sendJobs,
  type Job,
} from "../../services/jobs/index.js";
import { MemoryJobQueue, MemoryObjectStore } from "../support/fakes.js";
import { makeJob } from "../worker/helpers/jobs.js";

describe("job codec", () => {
  it("sends every job once, in chunks, claim-checking the large ones", async () => {
    const queue = new MemoryJobQueue();
    const store = new MemoryObjectStore();
    const jobs: Job[] = Array.from({ length: 25 }, (_, i) =>
      makeJob({ code: i === 3 ? "x".repeat(300) : `#check ${i}` }),
    );
    const calls: number[] = [];
    const spy = {
      ...queue,
      sendMany: async (b: string[]) => (calls.push(b.length), queue.sendMany(b)),
    } as unknown as MemoryJobQueue;
    await sendJobs(spy, store, jobs, { concurrency: 2, thresholdBytes: 256 });
    expect(calls).toEqual([10, 10, 5]);
    expect((await queue.depth()).visible).toBe(25);
    expect(JSON.parse((await store.get(inputKey(jobs[3]!.id)))!).id).toBe(jobs[3]!.id);
    expect(await encodeJob(jobs[3]!, store, 256)).toBe(
      JSON.stringify({ v: FORMAT_VERSION, id: jobs[3]!.id, fleet: jobs[3]!.fleet, claim: inputKey(jobs[3]!.id) }),
    );
    expect(encodeJob(jobs[0]!, store, 256)).toBe(JSON.stringify(jobs[0]));
  });

  it("reports exactly the ranges sent when a chunk fails", async () => {
    const queue = new MemoryJobQueue();
    let n = 0;
    const flaky = {
      sendMany: async (b: string[]) => (++n === 3 ? Promise.reject(new Error("throttled")) : queue.sendMany(b)),
    } as unknown as MemoryJobQueue;
    const jobs = Array.from({ length: 50 }, () => makeJob());
    const err = await sendJobs(flaky, new MemoryObjectStore(), jobs, { concurrency: 1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PartialSendError);
    expect((err as PartialSendError).sent).toEqual([{ from: 0, to: 19 }]);
    expect((await queue.depth()).visible).toBe(20);
  });
});
