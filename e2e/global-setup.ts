/**
 * Prepares the browser tests' state: drops, re-creates and migrates the e2e
 * database (gatehouse_e2e, or $GATEHOUSE_E2E_DATABASE), empties the e2e Redis
 * db, and seeds the demo data with the fixed credentials of e2e/fixtures.ts.
 *
 * It must run before the web server starts (the server reads the database as
 * it boots), and Playwright starts `webServer` entries before `globalSetup`,
 * so playwright.config.ts runs this file as the first half of the web
 * server's command: `tsx e2e/global-setup.ts && tsx server.ts`.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { seed } from "@/prisma/seed";
import { prepareTestDatabase } from "@/lib/testing/db";
import { e2eEnv } from "@/lib/testing/env";
import { flushTestRedis } from "@/tests/setup/global-int";
import { demo, E2E_SIMULATOR_URL } from "./fixtures";

export default async function globalSetup(): Promise<void> {
  const started = Date.now();
  await Promise.all([prepareTestDatabase(e2eEnv.DATABASE_URL), flushTestRedis(e2eEnv.REDIS_URL)]);
  const result = await seed({
    databaseUrl: e2eEnv.DATABASE_URL,
    encryptionKey: e2eEnv.GATEHOUSE_ENCRYPTION_KEY,
    adminEmail: demo.admin.email,
    adminPassword: demo.admin.password,
    demoApiKey: demo.apiKey,
    adminToken: demo.adminToken,
    simulatorUrl: E2E_SIMULATOR_URL,
  });
  console.log(`[e2e setup] ${new URL(e2eEnv.DATABASE_URL).pathname.slice(1)} migrated and seeded (${result.created} rows) in ${Date.now() - started} ms`);
}

const invoked = process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (invoked) {
  globalSetup().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error("[e2e setup] failed:", error);
      process.exit(1);
    },
  );
}
