import { defineConfig } from "@playwright/test";
import { E2E_BASE_URL, E2E_PORT, E2E_SIMULATOR_PORT, E2E_SIMULATOR_URL, demo } from "./e2e/fixtures";
import { e2eEnv } from "./lib/testing/env";

/**
 * Browser tests: Debian's Chromium (/usr/bin/chromium; Playwright's own
 * browser download does not work here) against the production build
 * (`npm run build` first; `npm test` does it). The web server's command
 * prepares the e2e database first (see e2e/global-setup.ts).
 */
const CI = Boolean(process.env.CI);
const tsx = "./node_modules/.bin/tsx";

// A developer's .env must not leak into the tests: server.ts reads
// DOTENV_CONFIG_PATH instead of .env, and Next's own .env loading never
// overrides a variable that is set, even to "".
const neutral = { DOTENV_CONFIG_PATH: "/dev/null", OIDC_ISSUER: "", OIDC_CLIENT_ID: "", OIDC_CLIENT_SECRET: "", GATEHOUSE_SECURE_COOKIES: "" };

export default defineConfig({
  testDir: "./e2e",
  testMatch: "**/*.spec.ts",
  outputDir: "./test-results",
  // One worker: the machine has 2 cores and the server needs one.
  workers: 1,
  fullyParallel: false,
  // Flakes are bugs to fix, not to retry.
  retries: 0,
  forbidOnly: CI,
  timeout: 30_000,
  expect: { timeout: 10_000 },
  reporter: [["list"], ["json", { outputFile: "./var/test-results/e2e.json" }]],
  use: {
    baseURL: E2E_BASE_URL,
    browserName: "chromium",
    headless: true,
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-quic",
        "--no-first-run",
        "--disable-component-update",
        "--disable-sync",
      ],
    },
  },
  webServer: [
    {
      name: "simulator",
      command: `${tsx} scripts/simulator.ts`,
      url: `${E2E_SIMULATOR_URL}/_sim/health`,
      env: { SIMULATOR_PORT: String(E2E_SIMULATOR_PORT), SIMULATOR_HOST: "127.0.0.1", LOG_LEVEL: "warn" },
      reuseExistingServer: false,
      timeout: 60_000,
      stdout: "ignore",
      stderr: "pipe",
      gracefulShutdown: { signal: "SIGTERM", timeout: 5_000 },
    },
    {
      name: "web",
      command: `${tsx} e2e/global-setup.ts && exec ${tsx} server.ts`,
      url: `${E2E_BASE_URL}/api/health`,
      env: {
        ...e2eEnv,
        ...neutral,
        PORT: String(E2E_PORT),
        HOST: "127.0.0.1",
        NEXTAUTH_URL: E2E_BASE_URL,
        SIMULATOR_URL: E2E_SIMULATOR_URL,
        GATEHOUSE_DEMO_API_KEY: demo.apiKey,
        GATEHOUSE_ADMIN_TOKEN: demo.adminToken,
        LOG_LEVEL: "warn",
      },
      reuseExistingServer: false,
      timeout: 180_000,
      stdout: "pipe",
      stderr: "pipe",
      gracefulShutdown: { signal: "SIGTERM", timeout: 10_000 },
    },
  ],
});
