// `npm run test:lean`: the suite for machines that have Lean. It runs test/lean/*.lean.test.ts against a real REPL
// (LEANFLEET_REPL, and LEANFLEET_PROJECT_DIR for a Lake project) and, for the strict cases, a real comparator
// (LEANFLEET_COMPARATOR, or `comparator` on PATH); where there is no Lean it prints one line saying why and exits 0.
import { execa } from "execa";
import { detectRepl } from "../../services/repl/index.js";

const found = detectRepl();
if (!found.ok) {
  console.log(
    'test:lean skipped: no Lean REPL here (neither LEANFLEET_REPL nor a `repl` on PATH); install one as the README\'s "Installing Lean" says',
  );
  process.exit(0);
}
const r = await execa("npx", ["vitest", "run", "--config", "vitest.lean.config.ts", ...process.argv.slice(2)], {
  stdio: "inherit",
  reject: false,
});
process.exit(r.exitCode ?? 1);
