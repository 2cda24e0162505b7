import { defineConfig } from "vitest/config";

// Browser tests: one Chromium, one file at a time, generous timeouts because each
// test runs real programs through a real sandpit-server and runner.
export default defineConfig({
  test: {
    include: ["e2e/**/*.e2e.ts"],
    environment: "node",
    fileParallelism: false,
    testTimeout: 90_000,
    hookTimeout: 60_000,
  },
});
