// The adversarial corpus: the cheats a model rewarded for "no error, no sorry" learns, and proofs that must pass,
// each with its expected verdict and the check that must fail. Shared by the suite on the doubles
// (adversarial.e2e.test.ts) and the suite on real Lean (test/lean/).
import type { CheckName } from "../../services/jobs/index.js";

/** The problem most cases are about, as datasets ship it (proof left open). */
export const STATEMENT = "theorem add_comm' (a b : Nat) : a + b = b + a := by";
export const PROOF = "theorem add_comm' (a b : Nat) : a + b = b + a := by\n  omega";

export interface Case {
  name: string;
  body: Record<string, unknown>;
  /** Expected verdict, and the check that must fail (for invalid). */
  verdict: "valid" | "invalid";
  fails?: CheckName;
}

export const withStatement = (code: string, extra: Record<string, unknown> = {}) => ({
  code,
  statement: STATEMENT,
  ...extra,
});

export const CASES: Case[] = [
  { name: "a correct proof", body: withStatement(PROOF), verdict: "valid" },
  {
    name: "a correct proof with other binder names, layout and comments",
    body: withStatement("-- my proof\ntheorem add_comm' (x y : Nat) :\n    x + y = y + x := by\n  omega"),
    verdict: "valid",
  },
  {
    name: "a correct proof, no statement given",
    body: { code: "theorem two : 1 + 1 = 2 := by\n  decide" },
    verdict: "valid",
  },
  {
    name: "a home-made axiom",
    body: withStatement("axiom cheat : False\ntheorem add_comm' (a b : Nat) : a + b = b + a := cheat.elim"),
    verdict: "invalid",
    fails: "axioms",
  },
  {
    name: "sorry",
    body: withStatement("theorem add_comm' (a b : Nat) : a + b = b + a := by\n  sorry"),
    verdict: "invalid",
    fails: "sorries",
  },
  {
    name: "sorry hidden by #guard_msgs",
    body: withStatement(
      "/-- warning: declaration uses 'sorry' -/\n#guard_msgs in\ntheorem add_comm' (a b : Nat) : a + b = b + a := by\n  sorry",
    ),
    verdict: "invalid",
    // The warning is swallowed, but the REPL lists the sorry from the info trees (and #print axioms shows sorryAx).
    fails: "sorries",
  },
  {
    name: "native_decide",
    body: { code: "theorem t : 2 + 2 = 4 := by\n  native_decide", statement: "theorem t : 2 + 2 = 4 := by" },
    verdict: "invalid",
    fails: "axioms",
  },
  {
    name: "debug.skipKernelTC",
    body: withStatement(`set_option debug.skipKernelTC true in\n${PROOF}`),
    verdict: "invalid",
    fails: "options",
  },
  {
    name: "the statement changed",
    body: withStatement("theorem add_comm' (a b : Nat) : a + b = a + b := by\n  rfl"),
    verdict: "invalid",
    fails: "statement",
  },
  {
    name: "a hypothesis added",
    body: withStatement("theorem add_comm' (a b : Nat) (h : a = b) : a + b = b + a := by\n  omega"),
    verdict: "invalid",
    fails: "statement",
  },
  {
    name: "the conclusion weakened",
    body: withStatement("theorem add_comm' (a b : Nat) : True := by\n  trivial"),
    verdict: "invalid",
    fails: "statement",
  },
  {
    name: "the theorem renamed",
    body: withStatement("theorem add_comm'' (a b : Nat) : a + b = b + a := by\n  omega"),
    verdict: "invalid",
    fails: "statement",
  },
  {
    name: "a def instead of a theorem",
    body: withStatement("def add_comm' (a b : Nat) : a + b = b + a := by\n  omega"),
    verdict: "invalid",
    fails: "statement",
  },
  {
    name: "the statement shadowed by a local notation",
    body: withStatement(
      'local infixl:65 " + " => HMul.hMul\ntheorem add_comm\' (a b : Nat) : a + b = b + a := by\n  omega',
    ),
    verdict: "invalid",
    fails: "statement",
  },
  {
    name: "implemented_by behind native evaluation",
    body: {
      code: "def realF (n : Nat) : Bool := false\n@[implemented_by realF]\ndef f (n : Nat) : Bool := true\ntheorem f0 : f 0 = false := by\n  native_decide",
    },
    verdict: "invalid",
    fails: "axioms",
  },
  { name: "text that is not Lean", body: { code: "The answer is 42, QED." }, verdict: "invalid", fails: "errors" },
  {
    name: "a false proof",
    body: { code: "theorem bad : 1 + 1 = 3 := by\n  rfl" },
    verdict: "invalid",
    fails: "errors",
  },
];
