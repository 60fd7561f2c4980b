// Defaults of the deployment configuration, in one place (cdk/config.ts validates, cdk/fleet-plan.ts derives).
import { WORKER_DEFAULTS } from "../services/worker/index.js";

/** Defaults of the deployment configuration (every field of the file that may be left out). */
export const CONFIG_DEFAULTS = {
  /** Memory the worker process and the container's own processes need beside the REPLs, in MiB. @default 512 */
  workerOverheadMiB: 512,
  /** Git URL of the REPL when `repl.flavor` is `fork`. @default "https://github.com/augustepoiroux/repl" */
  forkReplGitUrl: "https://github.com/augustepoiroux/repl",
  /** Release of the fork; the tag built is `<release>_lean-toolchain-<lean version>`. @default "v1.3.14" */
  forkReplRelease: "v1.3.14",
  /** Git URL of the REPL when `repl.flavor` is `upstream`; its tags equal the Lean version. @default "https://github.com/leanprover-community/repl" */
  upstreamReplGitUrl: "https://github.com/leanprover-community/repl",
  /** Minimum tasks per fleet (0 lets the fleet scale to zero). @default 0 */
  minTasks: 0,
  /** Maximum tasks per fleet. @default 10 */
  maxTasks: 10,
  /** SQS visibility timeout; the worker extends it while a job runs (heartbeat), so it only bounds redelivery after a crash. @default 120 */
  visibilitySeconds: 120,
  /** Deliveries before a message moves to the dead-letter queue (each is a worker that died holding it, or an unparseable body). @default 5 */
  maxReceiveCount: 5,
  /** Seconds ECS waits after SIGTERM before SIGKILL (Fargate allows at most 120). @default 120 */
  stopTimeoutSeconds: 120,
  /** Seconds kept between the worker's drain budget and the stop timeout, to release messages and close REPLs. @default 20 */
  drainMarginSeconds: 20,
  /** Fargate ephemeral storage per task in GiB (the image with a Mathlib cache is several GiB). @default 50 */
  ephemeralStorageGiB: 50,
  /** Port of the worker's health endpoint inside the task. @default 8081 (WORKER_DEFAULTS.healthPort) */
  healthPort: WORKER_DEFAULTS.healthPort,
  /** CIDR of the VPC. @default "10.40.0.0/16" */
  vpcCidr: "10.40.0.0/16",
  /** Availability zones of the worker subnets (each zone adds one interface endpoint ENI per service). @default 2 */
  maxAzs: 2,
  /** Days before claim-checked inputs (`inputs/`) expire. @default 7 */
  inputsExpireDays: 7,
  /** Days before results (`results/`, `running/`) expire. @default 90 */
  resultsExpireDays: 90,
  /** Steady-state requests per second of the HTTP API stage. @default 50 */
  apiRateLimitPerSecond: 50,
  /** Burst requests of the HTTP API stage. @default 100 */
  apiBurstLimit: 100,
  /** Memory of the API Lambda in MiB. @default 512 */
  apiMemoryMiB: 512,
  /** SSM String parameter holding the API key hashes (JSON, as LEANFLEET_API_KEYS); create it before deploying. @default "/leanfleet/api-keys" */
  apiKeysParameterName: "/leanfleet/api-keys",
  /** Retention of log groups in days. @default 30 */
  logRetentionDays: 30,
  /** Minutes between checks of active nightly runs (lower min capacity, write summaries). @default 5 */
  nightlyCheckEveryMinutes: 5,
  /** Age of the oldest queued message that raises an alarm, in seconds. @default 3600 */
  oldestMessageAgeAlarmSeconds: 3600,
  /** REPL restarts per minute per fleet that raise an alarm. @default 10 */
  replRestartsPerMinuteAlarm: 10,
} as const;
