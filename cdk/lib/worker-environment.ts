// The contract between the worker image (services/worker/Dockerfile) and a fleet's task definition: where the image
// puts things, the image's build arguments, and the worker's environment variables.
import { Aws } from "aws-cdk-lib";
import { ENVIRONMENT_ENV } from "../../services/environment/index.js";
import { WORKER_ENV } from "../../services/worker/index.js";
import type { FleetPlan } from "../config.js";

/** Where the worker image puts things (the contract between services/worker/Dockerfile and the task definition). */
export const IMAGE_PATHS = {
  /** The REPL binary. */
  repl: "/opt/leanfleet/repl/.lake/build/bin/repl",
  /** The fleet's Lake project, when it has one. */
  project: "/opt/leanfleet/project",
  /** The writable scratch volume (the root filesystem is read-only). */
  scratch: "/tmp",
} as const;

/**
 * The worker's environment (names from WORKER_ENV and ENVIRONMENT_ENV; read by services/worker/main.ts).
 * It declares the toolchain and project commit the image was built with (the worker refuses to start on others) and
 * the image's content hash (`imageDigest`, recorded in every result's environment).
 */
export function workerEnvironment(
  plan: FleetPlan,
  queueUrl: string,
  bucketName: string,
  healthPort: number,
  imageDigest?: string,
): Record<string, string> {
  const E = WORKER_ENV;
  return {
    [E.fleet]: plan.name,
    [E.queueUrl]: queueUrl,
    [E.bucket]: bucketName,
    [E.replCount]: String(plan.replCount),
    [E.replMemoryMiB]: String(plan.replMemoryMiB),
    [E.repl]: IMAGE_PATHS.repl,
    ...(plan.project ? { [E.projectDir]: IMAGE_PATHS.project } : {}),
    ...(plan.prewarmHeaderText ? { [E.prewarmHeader]: plan.prewarmHeaderText } : {}),
    [E.healthPort]: String(healthPort),
    [E.visibilitySeconds]: String(plan.visibilitySeconds),
    [E.drainSeconds]: String(plan.drainSeconds),
    [E.expectToolchain]: plan.leanToolchain,
    ...(plan.project ? { [E.expectProjectRev]: plan.project.rev } : {}),
    ...(imageDigest ? { [ENVIRONMENT_ENV.imageDigest]: imageDigest } : {}),
    AWS_REGION: Aws.REGION,
  };
}

/** Build arguments of services/worker/Dockerfile for a fleet. */
export function workerBuildArgs(plan: FleetPlan): Record<string, string> {
  return {
    LEAN_TOOLCHAIN: plan.leanToolchain,
    REPL_GIT_URL: plan.replGitUrl,
    REPL_REV: plan.replRev,
    PROJECT_GIT_URL: plan.project?.gitUrl ?? "",
    PROJECT_REV: plan.project?.rev ?? "",
    MATHLIB_CACHE: plan.mathlibCache ? "1" : "0",
    ...(plan.comparatorRev !== undefined ? { COMPARATOR_REV: plan.comparatorRev } : {}),
  };
}
