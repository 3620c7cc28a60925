import path from "node:path";
import { defineConfig } from "vitest/config";

const root = path.dirname(new URL(import.meta.url).pathname);

// Two layers: `unit` (pure logic, x.test.ts beside x.ts) and `int` (x.int.test.ts,
// against the real Postgres and Redis on the machine, a separate test database
// prepared by tests/setup/global-int.ts). Browser tests are Playwright (e2e/).
export default defineConfig({
  resolve: { alias: { "@": root } },
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          include: ["{lib,workers,app,components,scripts,tests}/**/*.test.ts"],
          exclude: ["**/*.int.test.ts", "**/node_modules/**"],
          environment: "node",
          env: { NODE_ENV: "test" },
        },
      },
      {
        extends: true,
        test: {
          name: "int",
          include: ["{lib,workers,app,scripts,tests}/**/*.int.test.ts"],
          environment: "node",
          globalSetup: ["tests/setup/global-int.ts"],
          setupFiles: ["tests/setup/int-env.ts"],
          // Files share one database and one Redis: run them one at a time.
          fileParallelism: false,
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
