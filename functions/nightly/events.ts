// Events of the nightly function (what its schedules send) and the state of a run in progress, validated with zod.
import { z } from "zod";

/** A run to start (the payload of a run's schedule). */
export const startRunSchema = z.strictObject({
  name: z.string().min(1).max(40),
  fleet: z.string().min(1),
  manifestKey: z.string().min(1),
  startTasks: z.number().int().nonnegative(),
});
/** A run to start. */
export type StartRun = z.infer<typeof startRunSchema>;

/** Events the nightly function accepts. */
export const nightlyEventSchema = z.discriminatedUnion("action", [
  z.strictObject({ action: z.literal("start"), run: startRunSchema }),
  z.strictObject({ action: z.literal("check") }),
]);
/** An event of the nightly function. */
export type NightlyEvent = z.infer<typeof nightlyEventSchema>;

/** Schema of the state of a run in progress. */
export const runStateSchema = z.object({
  v: z.literal(1),
  run: z.string(),
  fleet: z.string(),
  dataset: z.string(),
  manifestKey: z.string(),
  batchId: z.string(),
  startedAt: z.string(),
  startTasks: z.number(),
  /** Dataset item id of each seq. */
  itemIds: z.array(z.string()),
  minRaisedAt: z.string().optional(),
  minLoweredAt: z.string().optional(),
});
/** State of a run in progress (stored at `nightly/active/<run>.json`). */
export type RunState = z.infer<typeof runStateSchema>;
