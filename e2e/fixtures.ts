/**
 * What the browser tests can rely on: the seeded demo data of prisma/seed.ts
 * in the e2e database (gatehouse_e2e), with fixed credentials, and the
 * addresses of the servers playwright.config.ts starts.
 */
import { test as base, expect, type APIRequestContext } from "@playwright/test";

// Overridable, like the e2e database, so two checkouts on one machine do not collide.
export const E2E_PORT = Number(process.env.GATEHOUSE_E2E_PORT ?? 3100);
export const E2E_SIMULATOR_PORT = Number(process.env.GATEHOUSE_E2E_SIMULATOR_PORT ?? 4110);
export const E2E_BASE_URL = `http://127.0.0.1:${E2E_PORT}`;
export const E2E_SIMULATOR_URL = `http://127.0.0.1:${E2E_SIMULATOR_PORT}`;

export const demo = {
  admin: { email: "admin@gatehouse.local", password: "gatehouse-admin" },
  /** Members of tenant acme, one per role; all share one password. */
  members: {
    owner: { email: "owner@acme.test", password: "gatehouse-demo" },
    admin: { email: "admin@acme.test", password: "gatehouse-demo" },
    developer: { email: "developer@acme.test", password: "gatehouse-demo" },
    support: { email: "support@acme.test", password: "gatehouse-demo" },
    viewer: { email: "viewer@acme.test", password: "gatehouse-demo" },
  },
  tenants: { acme: "acme", globex: "globex" },
  /** Data-plane key of tenant acme (only valid in the e2e database). */
  apiKey: "gh_live_e2e-demo-key-000000000000000000000000000000",
  /** Platform-wide control-plane token (only valid in the e2e database). */
  adminToken: "gh_admin_e2e-admin-token-000000000000000000000000000",
  routeAlias: "support-reply",
  promptName: "support-reply",
} as const;

type Fixtures = {
  /** Requests to /api/admin authenticated by the platform admin token. */
  adminApi: APIRequestContext;
};

export const test = base.extend<Fixtures>({
  adminApi: async ({ playwright }, use) => {
    const ctx = await playwright.request.newContext({
      baseURL: E2E_BASE_URL,
      extraHTTPHeaders: { authorization: `Bearer ${demo.adminToken}` },
    });
    await use(ctx);
    await ctx.dispose();
  },
});

export { expect };
