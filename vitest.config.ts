import { defineConfig } from "vitest/config";

// Tests spawn real child processes (the REPL double, workers, fauxqs); two cores, so keep files few at once.
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // The real-Lean suite runs only through `npm run test:lean` (vitest.lean.config.ts).
    exclude: ["test/lean/**", "**/node_modules/**"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: "forks",
    maxWorkers: 2,
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
  },
});
