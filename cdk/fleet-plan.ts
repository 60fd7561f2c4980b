// What the stacks derive from a validated fleet (launch type, REPL count, REPL tag, drain budget), and the
// cross-field checks of a fleet whose messages name the field and the fix.
import { CONFIG_DEFAULTS } from "./config-defaults.js";
import type { FleetConfig } from "./config.js";
import {
  FARGATE_MAX_MEMORY_MIB,
  FARGATE_SIZES,
  FARGATE_VCPUS,
  describeFargateMemory,
  isFargateSize,
  smallestFargateSize,
} from "./fargate-sizes.js";

/** A Lean toolchain name; group 1 is the version tag. */
export const LEAN_TOOLCHAIN = /^leanprover\/lean4:(v4\.\d+\.\d+(?:-rc\d+)?)$/;

/** A fleet with everything the stacks derive from it. */
export interface FleetPlan extends FleetConfig {
  /** `FARGATE` up to 120 GiB per task, `EC2` (capacity provider) above. */
  launchType: "FARGATE" | "EC2";
  /** Task CPU in ECS units (1024 per vCPU). */
  cpuUnits: number;
  /** The container's memory hard limit in MiB (the whole task). */
  containerMemoryMiB: number;
  /** REPLs per task. */
  replCount: number;
  /** Lean version tag, e.g. "v4.19.0". */
  leanVersion: string;
  /** REPL git URL and revision the image builds. */
  replGitUrl: string;
  replRev: string;
  /** Whether the image runs `lake exe cache get`. */
  mathlibCache: boolean;
  /** Header pre-warmed by every REPL ("" for none). */
  prewarmHeaderText: string;
  /** Seconds the worker may spend finishing jobs after SIGTERM. */
  drainSeconds: number;
}

/** Most REPLs a task of this size holds: one per vCPU (at least one), bounded by memory. */
export function replCountFor(
  vcpu: number,
  memoryMiB: number,
  replMemoryMiB: number,
  overheadMiB: number = CONFIG_DEFAULTS.workerOverheadMiB,
): number {
  return Math.min(Math.max(1, Math.floor(vcpu)), Math.floor((memoryMiB - overheadMiB) / replMemoryMiB));
}

function leanVersionOf(toolchain: string): string {
  return LEAN_TOOLCHAIN.exec(toolchain)![1]!;
}

/** Derive what the stacks need from a validated fleet. */
export function planFleet(f: FleetConfig): FleetPlan {
  const leanVersion = leanVersionOf(f.leanToolchain);
  const fork = f.repl.flavor === "fork";
  const mathlibCache = f.project ? (f.project.mathlibCache ?? /mathlib4(\.git)?$/.test(f.project.gitUrl)) : false;
  return {
    ...f,
    launchType: f.memoryMiB > FARGATE_MAX_MEMORY_MIB ? "EC2" : "FARGATE",
    cpuUnits: Math.round(f.vcpu * 1024),
    containerMemoryMiB: f.memoryMiB,
    replCount: f.replCount ?? replCountFor(f.vcpu, f.memoryMiB, f.replMemoryMiB),
    leanVersion,
    replGitUrl: f.repl.gitUrl ?? (fork ? CONFIG_DEFAULTS.forkReplGitUrl : CONFIG_DEFAULTS.upstreamReplGitUrl),
    replRev: f.repl.rev ?? (fork ? `${CONFIG_DEFAULTS.forkReplRelease}_lean-toolchain-${leanVersion}` : leanVersion),
    mathlibCache,
    prewarmHeaderText: f.prewarmHeader ?? (mathlibCache ? "import Mathlib" : ""),
    drainSeconds: f.stopTimeoutSeconds - CONFIG_DEFAULTS.drainMarginSeconds,
  };
}

/** A cross-field problem of a fleet: [field, message]. */
type FleetIssue = [string, string];

/** Cross-field checks of one fleet; returns issues as [field, message]. */
export function fleetIssues(f: FleetConfig): [string, string][] {
  return [...sizeIssues(f), ...launchTypeIssues(f), ...replCountIssues(f), ...taskIssues(f), ...prewarmIssues(f)];
}

/** Memory for one REPL plus the worker, and a task size Fargate offers. */
function sizeIssues(f: FleetConfig): FleetIssue[] {
  const out: FleetIssue[] = [];
  const overhead = CONFIG_DEFAULTS.workerOverheadMiB;
  const need = f.replMemoryMiB + overhead;
  const fargate = f.memoryMiB <= FARGATE_MAX_MEMORY_MIB;
  if (f.memoryMiB < need) {
    const size = smallestFargateSize(f.vcpu, need);
    const hint = size ? ` (on Fargate: memoryMiB ${size.memoryMiB} with vcpu ${size.vcpu})` : "";
    out.push([
      "memoryMiB",
      `${f.memoryMiB} MiB cannot hold one REPL at replMemoryMiB=${f.replMemoryMiB} plus the worker's ${overhead} MiB overhead; ` +
        `raise memoryMiB to at least ${need}${hint} or lower replMemoryMiB`,
    ]);
  }
  if (fargate && !FARGATE_SIZES.has(f.vcpu)) {
    out.push(["vcpu", `${f.vcpu} is not a Fargate vCPU count; use one of ${FARGATE_VCPUS.join(", ")}`]);
  } else if (fargate && !isFargateSize(f.vcpu, f.memoryMiB)) {
    const size = smallestFargateSize(f.vcpu, f.memoryMiB);
    out.push([
      "memoryMiB",
      `${f.memoryMiB} MiB is not a Fargate size for vcpu ${f.vcpu} (valid: ${describeFargateMemory(f.vcpu)})` +
        (size ? `; the nearest larger size is memoryMiB ${size.memoryMiB} with vcpu ${size.vcpu}` : ""),
    ]);
  }
  return out;
}

/** An EC2 instance type exactly when the fleet is above Fargate's largest size, and whole vCPUs on EC2. */
function launchTypeIssues(f: FleetConfig): FleetIssue[] {
  const out: FleetIssue[] = [];
  const fargate = f.memoryMiB <= FARGATE_MAX_MEMORY_MIB;
  if (!fargate && f.ec2InstanceType === undefined) {
    out.push([
      "ec2InstanceType",
      `required because memoryMiB ${f.memoryMiB} exceeds Fargate's ${FARGATE_MAX_MEMORY_MIB} MiB; name an instance type with more memory than that (e.g. "r7i.8xlarge" for 256 GiB) or lower memoryMiB`,
    ]);
  }
  if (fargate && f.ec2InstanceType !== undefined) {
    out.push([
      "ec2InstanceType",
      `only used above ${FARGATE_MAX_MEMORY_MIB} MiB; this fleet (memoryMiB ${f.memoryMiB}) runs on Fargate, so remove the field`,
    ]);
  }
  if (!fargate && !Number.isInteger(f.vcpu)) out.push(["vcpu", `${f.vcpu}: EC2 fleets need a whole number of vCPUs`]);
  return out;
}

/** An explicit REPL count must fit the task's memory (checked only when one REPL fits at all). */
function replCountIssues(f: FleetConfig): FleetIssue[] {
  const overhead = CONFIG_DEFAULTS.workerOverheadMiB;
  if (f.replCount === undefined || f.memoryMiB < f.replMemoryMiB + overhead) return [];
  const fit = Math.floor((f.memoryMiB - overhead) / f.replMemoryMiB);
  if (f.replCount <= fit) return [];
  return [
    [
      "replCount",
      `${f.replCount} REPLs at replMemoryMiB=${f.replMemoryMiB} plus ${overhead} MiB overhead need ${f.replCount * f.replMemoryMiB + overhead} MiB, more than memoryMiB ${f.memoryMiB}; use at most ${fit} or raise memoryMiB`,
    ],
  ];
}

/** Task bounds and the drain budget left by the stop timeout. */
function taskIssues(f: FleetConfig): FleetIssue[] {
  const out: FleetIssue[] = [];
  if (f.minTasks > f.maxTasks)
    out.push(["minTasks", `${f.minTasks} is above maxTasks ${f.maxTasks}; lower minTasks or raise maxTasks`]);
  if (f.stopTimeoutSeconds - CONFIG_DEFAULTS.drainMarginSeconds < 10) {
    out.push([
      "stopTimeoutSeconds",
      `${f.stopTimeoutSeconds} leaves under 10 s to drain jobs; use at least ${10 + CONFIG_DEFAULTS.drainMarginSeconds}`,
    ]);
  }
  return out;
}

/** A pre-warm header of a fleet without a project may import only Lean's own modules. */
function prewarmIssues(f: FleetConfig): FleetIssue[] {
  if (
    f.project === undefined &&
    f.prewarmHeader !== undefined &&
    /\bimport\s+(?!Lean\b|Init\b|Std\b)/.test(f.prewarmHeader)
  ) {
    return [
      [
        "prewarmHeader",
        `imports modules outside Lean's core but the fleet has no project; add a project or drop the import`,
      ],
    ];
  }
  return [];
}
