import { describe, expect, it } from "vitest";
import { SCALING_POLICY, desiredTasks } from "../../services/scaling/index.js";

describe("desiredTasks (the backlog rule shared by CDK and the local cluster)", () => {
  it("asks for no task when the queue is empty and min is 0 (scale to zero)", () => {
    expect(desiredTasks({ visible: 0, inFlight: 0, running: 3 }, 0, 10)).toBe(0);
  });
  it("scales from zero on the first visible message", () => {
    expect(desiredTasks({ visible: 1, inFlight: 0, running: 0 }, 0, 10)).toBe(1);
  });
  it("keeps one task while work is in flight", () => {
    expect(desiredTasks({ visible: 0, inFlight: 4, running: 2 }, 0, 10)).toBe(1);
  });
  it("targets backlog per task and clamps to max", () => {
    const t = SCALING_POLICY.backlogPerTaskTarget;
    expect(desiredTasks({ visible: 3 * t, inFlight: 0, running: 1 }, 0, 10)).toBe(3);
    expect(desiredTasks({ visible: 3 * t + 1, inFlight: 0, running: 1 }, 0, 10)).toBe(4);
    expect(desiredTasks({ visible: 1000 * t, inFlight: 0, running: 1 }, 0, 10)).toBe(10);
  });
  it("never goes below min", () => {
    expect(desiredTasks({ visible: 0, inFlight: 0, running: 0 }, 2, 10)).toBe(2);
  });
});
