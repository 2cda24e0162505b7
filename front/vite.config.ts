import { defineConfig } from "vitest/config";

export default defineConfig({
  // Relative asset URLs: the same build works when sandpit-server serves it at `/`
  // and when a school hosts it under a sub-path with VITE_API_BASE pointing elsewhere.
  base: "./",
  build: {
    outDir: "dist",
    emptyOutDir: true,
  },
  test: {
    include: ["tests/**/*.test.ts"],
    environment: "node",
  },
});
