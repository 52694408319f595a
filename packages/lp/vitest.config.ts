import { defineConfig } from "vitest/config";

// The HiGHS cross-checks take about a second each on an idle machine; allow for a busy one.
export default defineConfig({ test: { include: ["test/**/*.test.ts"], testTimeout: 30_000 } });
