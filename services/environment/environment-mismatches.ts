// Where a worker's environment record disagrees with what its fleet declares (toolchain, project revision).
import { isMissing, type EnvironmentRecord } from "./environment-record.js";
import { toolchainVersion } from "./lean-version.js";

/** What a fleet declares it runs (the CDK stack sets these on its workers). */
export interface DeclaredEnvironment {
  /** e.g. `leanprover/lean4:v4.19.0`. */
  toolchain?: string;
  /** The project's commit (40 hex). */
  projectRev?: string;
}

/** Where the record disagrees with what the fleet declares: one sentence per difference, naming both (empty: none). */
export function environmentMismatches(record: EnvironmentRecord, declared: DeclaredEnvironment): string[] {
  const problems: string[] = [];
  if (declared.toolchain !== undefined) {
    const want = toolchainVersion(declared.toolchain);
    const lean = record.lean;
    if (isMissing(lean))
      problems.push(
        `the fleet declares toolchain ${declared.toolchain}, but Lean's version cannot be read: ${lean.missing}`,
      );
    else if (want === null)
      problems.push(
        `the declared toolchain ${JSON.stringify(declared.toolchain)} is not a toolchain name such as leanprover/lean4:v4.19.0`,
      );
    else if (!(want.startsWith("nightly-") ? lean.version.endsWith(`-${want}`) : lean.version === want)) {
      problems.push(
        `the fleet declares toolchain ${declared.toolchain}, but lean --version reports ${lean.version}${lean.commit ? ` (commit ${lean.commit})` : ""}`,
      );
    }
  }
  if (declared.projectRev !== undefined) {
    const project = record.project;
    const checkout = isMissing(project) ? project : project.checkout;
    if (isMissing(checkout))
      problems.push(
        `the fleet declares project revision ${declared.projectRev}, but the project's revision cannot be read: ${checkout.missing}`,
      );
    else if (checkout.rev !== declared.projectRev.toLowerCase())
      problems.push(
        `the fleet declares project revision ${declared.projectRev}, but the project is at ${checkout.rev}`,
      );
  }
  return problems;
}
