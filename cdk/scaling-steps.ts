// Pure helpers of the scale-from-zero rule, shared by the CDK autoscaling construct and bench/autoscale.ts.

/** One step of the scale-from-zero policy: at least `minVisible` visible messages start `tasks` tasks. */
export interface FromZeroStep {
  /** Lowest visible-message count of the step. */
  minVisible: number;
  /** Exact task count the step sets. */
  tasks: number;
}

/**
 * Steps of the scale-from-zero policy for a backlog target and a maximum: one task for the first message, then
 * doubling task counts at `target * tasks` messages, ending at `maxTasks`. A burst of work therefore starts at
 * least half the tasks the backlog rule asks for in one step instead of one task per metric period.
 */
export function fromZeroSteps(backlogPerTaskTarget: number, maxTasks: number): FromZeroStep[] {
  const steps: FromZeroStep[] = [{ minVisible: 1, tasks: 1 }];
  for (let k = 2; k < maxTasks; k *= 2) steps.push({ minVisible: backlogPerTaskTarget * k, tasks: k });
  if (maxTasks > 1) steps.push({ minVisible: backlogPerTaskTarget * maxTasks, tasks: maxTasks });
  return steps;
}

/** Task count the scale-from-zero policy sets for a visible-message count (0 below the first step). */
export function fromZeroTasks(steps: readonly FromZeroStep[], visible: number): number {
  let tasks = 0;
  for (const s of steps) if (visible >= s.minVisible) tasks = s.tasks;
  return tasks;
}
