import { defineConfig } from "vitest/config";

// The randomised suites compare thousands of LPs with HiGHS; on a loaded 2-core machine a file
// can take several seconds, so the per-test limit is generous.
export default defineConfig({ test: { include: ["test/**/*.test.ts"], testTimeout: 60_000 } });
