// Deployment configuration of the CDK app (fleets, storage, API, nightly runs, alarms): schema, validation, plans.
// Parsed once in cdk/bin/app.ts; every error names the field, quotes the value and says the fix.
import { readFileSync } from "node:fs";
import { z } from "zod";
import { LeanFleetError } from "../services/core/index.js";
import { CONFIG_DEFAULTS } from "./config-defaults.js";
import { LEAN_TOOLCHAIN, fleetIssues } from "./fleet-plan.js";

export { CONFIG_DEFAULTS } from "./config-defaults.js";
export { type FleetPlan, planFleet, replCountFor } from "./fleet-plan.js";

const GIT_URL = /^(https:\/\/|git@|ssh:\/\/)[^\s]+$/;
const GIT_REV = /^[A-Za-z0-9._/-]{1,200}$/;
const COMMIT = /^[0-9a-f]{40}$/;
const SCHEDULE = /^(cron\(\S+ \S+ \S+ \S+ \S+ \S+\)|rate\(\d+ (minute|minutes|hour|hours|day|days)\))$/;

const replSchema = z.strictObject({
  /** `fork` (augustepoiroux/repl: incrementality, setOptions; default) or `upstream` (leanprover-community/repl). */
  flavor: z.enum(["fork", "upstream"]).default("fork"),
  /** Override the git URL (a mirror). @default - the flavor's URL */
  gitUrl: z.string().regex(GIT_URL, { error: "must be an https:// or ssh git URL" }).optional(),
  /** Override the git revision. @default - the tag matching the fleet's Lean version */
  rev: z.string().regex(GIT_REV, { error: "must be a git tag, branch or commit" }).optional(),
});

const projectSchema = z.strictObject({
  /** Git URL of the Lake project, e.g. https://github.com/leanprover-community/mathlib4. */
  gitUrl: z.string().regex(GIT_URL, { error: "must be an https:// or ssh git URL" }),
  /**
   * The commit to build (40 hex digits): a verdict must be reproducible, and a branch or tag can move. Find a tag's
   * commit with `git ls-remote <gitUrl> refs/tags/<tag>`.
   */
  rev: z.string().regex(COMMIT, {
    error: (iss) =>
      `must be a commit (40 lowercase hex digits), got ${JSON.stringify(iss.input)}: a branch name or a tag can move, so the fleet's verdicts could not be reproduced; ` +
      `pin the commit it points to now (git ls-remote <gitUrl> ${typeof iss.input === "string" ? iss.input : "<ref>"}) and keep the name in "ref"`,
  }),
  /** The tag or branch `rev` was taken from, e.g. "v4.19.0" (for people; the image builds `rev`). @default - none */
  ref: z.string().regex(GIT_REV, { error: "must be a git tag or branch name" }).optional(),
  /** Run `lake exe cache get` (Mathlib's prebuilt .olean cache). @default - true when the URL names mathlib4 */
  mathlibCache: z.boolean().optional(),
});

const fleetSchema = z.strictObject({
  /** Fleet name: jobs name it; lowercase letters, digits and dashes. */
  name: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{0,39}$/, { error: 'must be 1-40 lowercase letters, digits or dashes, e.g. "mathlib"' }),
  /** Lean toolchain, e.g. "leanprover/lean4:v4.19.0". */
  leanToolchain: z.string().regex(LEAN_TOOLCHAIN, { error: 'must look like "leanprover/lean4:v4.19.0"' }),
  repl: replSchema.default({ flavor: "fork" }),
  /** Lake project whose modules jobs may import. @default - none (plain Lean) */
  project: projectSchema.optional(),
  /** vCPUs per task (Fargate: 0.25, 0.5, 1, 2, 4, 8 or 16). */
  vcpu: z.number().positive(),
  /** Memory per task in MiB; this is the container's hard limit. */
  memoryMiB: z.number().int().positive(),
  /** Hard memory limit per REPL process tree in MiB. */
  replMemoryMiB: z.number().int().min(256, { error: "must be at least 256 MiB (a bare Lean REPL needs ~200 MiB)" }),
  /** REPLs per task. @default - min(vCPUs, (memoryMiB - workerOverheadMiB) / replMemoryMiB) */
  replCount: z.number().int().positive().optional(),
  minTasks: z.number().int().nonnegative().default(CONFIG_DEFAULTS.minTasks),
  maxTasks: z.number().int().positive().max(1000).default(CONFIG_DEFAULTS.maxTasks),
  /** Header every REPL elaborates at start, e.g. "import Mathlib". @default - "import Mathlib" for Mathlib projects, else none */
  prewarmHeader: z.string().max(10_000).optional(),
  /** EC2 instance type for fleets above Fargate's 120 GiB, e.g. "r7i.8xlarge" (one task per instance). */
  ec2InstanceType: z
    .string()
    .regex(/^[a-z][a-z0-9-]*\.[a-z0-9]+$/, { error: 'must be an EC2 instance type such as "r7i.8xlarge"' })
    .optional(),
  ephemeralStorageGiB: z.number().int().min(21).max(200).default(CONFIG_DEFAULTS.ephemeralStorageGiB),
  visibilitySeconds: z.number().int().min(30).max(43_200).default(CONFIG_DEFAULTS.visibilitySeconds),
  maxReceiveCount: z.number().int().min(1).max(1000).default(CONFIG_DEFAULTS.maxReceiveCount),
  stopTimeoutSeconds: z.number().int().min(30).max(120).default(CONFIG_DEFAULTS.stopTimeoutSeconds),
  /**
   * leanprover/comparator's tag (one per toolchain, e.g. "v4.25.0-rc2") or commit for the strict stage: the image
   * builds comparator, lean4export and landrun (build arg COMPARATOR_REV). @default - none: strict jobs are rejected
   */
  comparatorRev: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/, { error: 'must be a comparator tag such as "v4.25.0-rc2" or a commit' })
    .optional(),
});

const nightlyRunSchema = z.strictObject({
  /** Name of the run (one schedule each), e.g. "minif2f". */
  name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}$/, { error: "must be 1-40 lowercase letters, digits or dashes" }),
  /** Fleet that runs it (a name from `fleets`). */
  fleet: z.string(),
  /** EventBridge schedule, e.g. "cron(0 3 * * ? *)" (UTC) or "rate(1 day)". */
  schedule: z.string().regex(SCHEDULE, {
    error: 'must be an EventBridge expression such as "cron(0 3 * * ? *)" (6 fields, UTC) or "rate(1 day)"',
  }),
  /** S3 key of the dataset manifest in the deployment's bucket, e.g. "datasets/minif2f/manifest.json". */
  manifestKey: z.string().min(1).max(1024),
  /** Tasks to start at once (the fleet's minimum while the run starts). @default - the fleet's maxTasks */
  startTasks: z.number().int().positive().optional(),
});

/** Schema of a deployment configuration file (JSON). */
export const deploymentConfigSchema = z.strictObject({
  /** Stack name. @default "LeanFleet" */
  name: z
    .string()
    .regex(/^[A-Za-z][A-Za-z0-9-]{0,63}$/, {
      error: "must start with a letter; letters, digits and dashes (a CloudFormation stack name)",
    })
    .default("LeanFleet"),
  fleets: z
    .array(fleetSchema)
    .min(1, { error: "list at least one fleet" })
    .max(10, { error: "at most 10 fleets per deployment" }),
  network: z
    .strictObject({
      cidr: z
        .string()
        .regex(/^\d+\.\d+\.\d+\.\d+\/(1[6-9]|2[0-4])$/, {
          error: 'must be an IPv4 CIDR between /16 and /24, e.g. "10.40.0.0/16"',
        })
        .default(CONFIG_DEFAULTS.vpcCidr),
      maxAzs: z
        .number()
        .int()
        .min(1)
        .max(2, { error: "at most 2: the stack is environment-agnostic, so CDK can only spread it over 2 zones" })
        .default(CONFIG_DEFAULTS.maxAzs),
    })
    .default({ cidr: CONFIG_DEFAULTS.vpcCidr, maxAzs: CONFIG_DEFAULTS.maxAzs }),
  storage: z
    .strictObject({
      inputsExpireDays: z.number().int().min(1).default(CONFIG_DEFAULTS.inputsExpireDays),
      resultsExpireDays: z.number().int().min(1).default(CONFIG_DEFAULTS.resultsExpireDays),
    })
    .default({
      inputsExpireDays: CONFIG_DEFAULTS.inputsExpireDays,
      resultsExpireDays: CONFIG_DEFAULTS.resultsExpireDays,
    }),
  api: z
    .strictObject({
      rateLimitPerSecond: z.number().positive().default(CONFIG_DEFAULTS.apiRateLimitPerSecond),
      burstLimit: z.number().int().positive().default(CONFIG_DEFAULTS.apiBurstLimit),
      memoryMiB: z.number().int().min(128).max(10_240).default(CONFIG_DEFAULTS.apiMemoryMiB),
      keysParameterName: z
        .string()
        .regex(/^\/[A-Za-z0-9_./-]{1,1010}$/, {
          error: 'must be an SSM parameter name starting with "/", e.g. "/leanfleet/api-keys"',
        })
        .default(CONFIG_DEFAULTS.apiKeysParameterName),
    })
    .default({
      rateLimitPerSecond: CONFIG_DEFAULTS.apiRateLimitPerSecond,
      burstLimit: CONFIG_DEFAULTS.apiBurstLimit,
      memoryMiB: CONFIG_DEFAULTS.apiMemoryMiB,
      keysParameterName: CONFIG_DEFAULTS.apiKeysParameterName,
    }),
  nightly: z
    .strictObject({
      checkEveryMinutes: z.number().int().min(1).max(60).default(CONFIG_DEFAULTS.nightlyCheckEveryMinutes),
      runs: z.array(nightlyRunSchema).default([]),
    })
    .default({ checkEveryMinutes: CONFIG_DEFAULTS.nightlyCheckEveryMinutes, runs: [] }),
  alarms: z
    .strictObject({
      /** E-mail address subscribed to the alarm topic. @default - no subscription */
      email: z.email({ error: "must be an e-mail address" }).optional(),
      oldestMessageAgeSeconds: z.number().int().min(60).default(CONFIG_DEFAULTS.oldestMessageAgeAlarmSeconds),
      replRestartsPerMinute: z.number().positive().default(CONFIG_DEFAULTS.replRestartsPerMinuteAlarm),
    })
    .default({
      oldestMessageAgeSeconds: CONFIG_DEFAULTS.oldestMessageAgeAlarmSeconds,
      replRestartsPerMinute: CONFIG_DEFAULTS.replRestartsPerMinuteAlarm,
    }),
  logRetentionDays: z.number().int().positive().default(CONFIG_DEFAULTS.logRetentionDays),
});

/** A validated deployment configuration with defaults filled in. */
export type DeploymentConfig = z.infer<typeof deploymentConfigSchema>;
/** One fleet as written in the configuration (defaults filled in). */
export type FleetConfig = DeploymentConfig["fleets"][number];
/** One nightly run as written in the configuration. */
export type NightlyRunConfig = DeploymentConfig["nightly"]["runs"][number];

/** A deployment configuration that failed validation; `issues` lists every problem with its field path. */
export class DeployConfigError extends LeanFleetError {
  constructor(
    readonly issues: { path: string; message: string }[],
    source = "deployment config",
  ) {
    super(
      "deploy_config",
      `${source} is invalid:\n${issues.map((i) => `  - ${i.path || "(root)"}: ${i.message}`).join("\n")}`,
      { source, issues },
    );
  }
}

const crossChecked = deploymentConfigSchema.superRefine((cfg, ctx) => {
  const names = new Set<string>();
  cfg.fleets.forEach((f, i) => {
    if (names.has(f.name))
      ctx.addIssue({
        code: "custom",
        path: ["fleets", i, "name"],
        message: `"${f.name}" is used by two fleets; give each fleet its own name`,
      });
    names.add(f.name);
    for (const [field, message] of fleetIssues(f))
      ctx.addIssue({ code: "custom", path: ["fleets", i, field], message });
  });
  const runNames = new Set<string>();
  cfg.nightly.runs.forEach((r, i) => {
    if (runNames.has(r.name))
      ctx.addIssue({
        code: "custom",
        path: ["nightly", "runs", i, "name"],
        message: `"${r.name}" is used twice; names must be unique`,
      });
    runNames.add(r.name);
    const fleet = cfg.fleets.find((f) => f.name === r.fleet);
    if (!fleet) {
      ctx.addIssue({
        code: "custom",
        path: ["nightly", "runs", i, "fleet"],
        message: `"${r.fleet}" is not a fleet of this deployment; use one of ${[...names].map((n) => `"${n}"`).join(", ")}`,
      });
    } else if (r.startTasks !== undefined && r.startTasks > fleet.maxTasks) {
      ctx.addIssue({
        code: "custom",
        path: ["nightly", "runs", i, "startTasks"],
        message: `${r.startTasks} is above fleet "${fleet.name}"'s maxTasks ${fleet.maxTasks}; lower it or raise maxTasks`,
      });
    }
  });
});

function formatPath(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === "number" ? `[${p}]` : `${i === 0 ? "" : "."}${String(p)}`)).join("");
}

/** Validate a parsed JSON value as a deployment config; throws {@link DeployConfigError} listing every problem. */
export function parseDeploymentConfig(raw: unknown, source?: string): DeploymentConfig {
  const r = crossChecked.safeParse(raw);
  if (r.success) return r.data;
  const issues = r.error.issues.map((i) => {
    if (i.code === "unrecognized_keys") {
      return {
        path: formatPath(i.path),
        message: `unknown field(s) ${i.keys.map((k) => `"${k}"`).join(", ")}; remove them or fix the spelling`,
      };
    }
    if (i.code === "invalid_type" && i.message.endsWith("received undefined"))
      return { path: formatPath(i.path), message: `is required (a ${i.expected})` };
    return { path: formatPath(i.path), message: i.message };
  });
  throw new DeployConfigError(issues, source);
}

/** Read and validate a deployment config file (JSON). */
export function loadDeploymentConfig(file: string): DeploymentConfig {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new DeployConfigError(
      [
        {
          path: "",
          message: `cannot read ${file} (${(e as Error).message}); pass an existing file with -c config=PATH`,
        },
      ],
      file,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new DeployConfigError([{ path: "", message: `not valid JSON (${(e as Error).message})` }], file);
  }
  return parseDeploymentConfig(json, file);
}
