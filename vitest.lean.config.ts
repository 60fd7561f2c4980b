import { defineConfig } from "vitest/config";

// `npm run test:lean` (test/lean/run.ts): the suite against a real Lean REPL and comparator. Lean is slow to start
// (imports), so timeouts are generous and files run one at a time.
export default defineConfig({
  test: {
    include: ["test/lean/**/*.lean.test.ts"],
    testTimeout: 600_000,
    hookTimeout: 600_000,
    pool: "forks",
    maxWorkers: 1,
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
  },
});
