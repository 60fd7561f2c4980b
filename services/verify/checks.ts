// The rules that turn checks into a verdict, and how axioms are described (the check contract is in services/jobs).

export {
  CHECK_NAMES,
  DEFAULT_PERMITTED_AXIOMS,
  TRUST_LEVELS,
  type Check,
  type CheckName,
  type Trust,
} from "../jobs/index.js";
import type { Check } from "../jobs/index.js";

/** Axioms that mean native evaluation (trusting the compiler, not the kernel), in every Lean era. */
export function isNativeAxiom(name: string): boolean {
  return (
    name === "Lean.ofReduceBool" ||
    name === "Lean.ofReduceNat" ||
    name === "Lean.trustCompiler" ||
    name.includes("._native.")
  );
}

/** Why an axiom outside the permitted list is there, in words. */
export function describeAxiom(name: string): string {
  if (name === "sorryAx") return "uses sorry (sorryAx)";
  if (isNativeAxiom(name)) return `uses native evaluation (${name}): the compiler is trusted, not the kernel`;
  return `depends on axiom ${name}, which is not permitted`;
}

/** The verdict of a set of checks: valid only when there is at least one and every one passed. */
export function verdictOf(checks: readonly Check[]): "valid" | "invalid" {
  return checks.length > 0 && checks.every((c) => c.ok) ? "valid" : "invalid";
}

/** The first failed check, for one-line reports. */
export function firstFailure(checks: readonly Check[]): Check | undefined {
  return checks.find((c) => !c.ok);
}
