// bench/autoscale: a nightly run of 20,000 jobs (70 % 2 s, 25 % 10 s, 5 % hitting a 60 s timeout) arriving at once,
// drained by one fleet under the CDK autoscaling rules with the numbers of services/scaling/policy.ts, against an
// ideal packer that knows every job's cost (same max tasks). A simulation: no AWS, nothing measured on a cloud.
// Usage: npm run bench -- autoscale [--jobs N] [--fleet NAME] [--config FILE]
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { loadDeploymentConfig, planFleet } from "../cdk/config.js";
import { SCALING_POLICY } from "../services/scaling/index.js";
import { AWS_MODEL, idealPacker, seededRandom, simulateFleet, type SimResult } from "./lib/autoscale-sim.js";

const { values } = parseArgs({
  options: {
    jobs: { type: "string", default: "20000" },
    fleet: { type: "string", default: "mathlib" },
    config: { type: "string", default: "cdk/examples/two-fleets.json" },
    seed: { type: "string", default: "42" },
  },
});
const repoRoot = resolve(import.meta.dirname, "..");
const config = loadDeploymentConfig(resolve(repoRoot, values.config));
const fleetConfig = config.fleets.find((f) => f.name === values.fleet);
if (!fleetConfig)
  throw new Error(
    `no fleet "${values.fleet}" in ${values.config}; use one of ${config.fleets.map((f) => f.name).join(", ")}`,
  );
const fleet = planFleet(fleetConfig);
const checkMinutes = config.nightly.checkEveryMinutes;

// The workload: a shuffled mix, all visible at t = 0.
const n = Number(values.jobs);
const rand = seededRandom(Number(values.seed));
const jobs: number[] = Array.from({ length: n }, (_, i) => (i < n * 0.7 ? 2 : i < n * 0.95 ? 10 : 60));
for (let i = jobs.length - 1; i > 0; i--) {
  const j = Math.floor(rand() * (i + 1));
  [jobs[i], jobs[j]] = [jobs[j]!, jobs[i]!];
}

const ideal = idealPacker(jobs, fleet.replCount, fleet.maxTasks);
// Autoscaling alone (a batch submitted through the API), and a nightly run that raises min to maxTasks at once
// and lowers it at its first check (functions/nightly: at least a minute later, on the check schedule).
const burst = simulateFleet({ jobs, replsPerTask: fleet.replCount, maxTasks: fleet.maxTasks });
const nightly = simulateFleet({
  jobs,
  replsPerTask: fleet.replCount,
  maxTasks: fleet.maxTasks,
  minRaisedUntilSeconds: checkMinutes * 60,
});

const GOAL = { taskMinutes: 1.15, drain: 1.2 };
const ratios = (r: SimResult) => ({
  taskMinutesRatio: r.taskMinutes / ideal.taskMinutes,
  drainRatio: r.drainSeconds / ideal.drainSeconds,
});
const row = (name: string, r: SimResult) => {
  const q = ratios(r);
  return `${name.padEnd(28)} ${String(r.drainSeconds).padStart(7)} ${r.taskMinutes.toFixed(1).padStart(10)} ${(r.idleFraction * 100).toFixed(1).padStart(7)}% ${String(r.peakTasks).padStart(6)} ${q.drainRatio.toFixed(3).padStart(8)} ${q.taskMinutesRatio.toFixed(3).padStart(8)}`;
};

const busy = jobs.reduce((a, b) => a + b, 0);
console.log(
  `workload: ${n} jobs at t=0: ${Math.round(n * 0.7)} × 2 s, ${Math.round(n * 0.25)} × 10 s, ${n - Math.round(n * 0.7) - Math.round(n * 0.25)} × 60 s (timeouts); ${busy} REPL-seconds of work`,
);
console.log(
  `fleet "${fleet.name}" (${values.config}): ${fleet.replCount} REPLs per task (${fleet.vcpu} vCPU, ${fleet.memoryMiB} MiB, ${fleet.replMemoryMiB} MiB per REPL), max ${fleet.maxTasks} tasks`,
);
console.log(`policy (services/scaling/policy.ts): ${JSON.stringify(SCALING_POLICY)}`);
console.log(`AWS model (assumed, not measured): ${JSON.stringify(AWS_MODEL)}`);
console.log("");
console.log(
  `${"scenario".padEnd(28)} ${"drain s".padStart(7)} ${"task-min".padStart(10)} ${"idle".padStart(8)} ${"peak".padStart(6)} ${"drain/ideal".padStart(8)} ${"cost/ideal".padStart(8)}`,
);
console.log(row("ideal packer", ideal));
console.log(row("autoscaling alone", burst));
console.log(row(`nightly (min raised ${checkMinutes} min)`, nightly));
const met = (r: SimResult) => ratios(r).taskMinutesRatio <= GOAL.taskMinutes && ratios(r).drainRatio <= GOAL.drain;
console.log("");
console.log(
  `goal: task-minutes within ${Math.round((GOAL.taskMinutes - 1) * 100)} % of ideal and drain within ${Math.round((GOAL.drain - 1) * 100)} %: autoscaling alone ${met(burst) ? "met" : "MISSED"}, nightly ${met(nightly) ? "met" : "MISSED"}`,
);
const fig = (r: SimResult) => ({
  drainSeconds: r.drainSeconds,
  taskMinutes: Number(r.taskMinutes.toFixed(1)),
  idleFraction: Number(r.idleFraction.toFixed(4)),
  peakTasks: r.peakTasks,
  drainRatio: Number(ratios(r).drainRatio.toFixed(3)),
  taskMinutesRatio: Number(ratios(r).taskMinutesRatio.toFixed(3)),
});
console.log(
  JSON.stringify({
    "bench": "autoscale",
    simulated: true,
    jobs: n,
    replsPerTask: fleet.replCount,
    maxTasks: fleet.maxTasks,
    ideal: {
      drainSeconds: ideal.drainSeconds,
      taskMinutes: Number(ideal.taskMinutes.toFixed(1)),
      idleFraction: Number(ideal.idleFraction.toFixed(4)),
    },
    autoscaling: fig(burst),
    nightly: fig(nightly),
    goalMet: met(burst) && met(nightly),
  }),
);
