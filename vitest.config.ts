import { defineConfig } from "vitest/config";

// Integration tests launch real engines, git and a browser on a 2-core CI machine, sometimes
// while the other test file in the pool does the same: their budgets are generous so that load
// never fails a test. Speed targets live in `npm run bench`, not in timeouts.
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 300_000,
    hookTimeout: 300_000,
    pool: "forks",
  },
});
