/**
 * Role x action matrix through the real route handlers: every role (plus no
 * membership and platform admin) against every mutation of the admin API.
 * Each call carries an admin token of that role, so it runs the same
 * tenantRoute/platformRoute wrapper the browser's session requests run.
 * A refused call must change nothing; an allowed one must write its audit row.
 */
import { afterAll, describe, expect, it } from "vitest";
import { db, disconnectDb } from "@/lib/db";
import { disconnectRedis } from "@/lib/redis";
import type { TenantRole } from "@/lib/authz/permissions";
import {
  adminRequest,
  createAdminToken,
  createApiKey,
  createMemberUser,
  createProvider,
  createTenant,
  createUser,
  routeParams,
  unique,
  tenantStateSnapshot,
  type TestTenant,
} from "@/lib/testing/factories";
import * as apiKeys from "@/app/api/admin/tenants/[tenant]/api-keys/route";
import * as apiKey from "@/app/api/admin/tenants/[tenant]/api-keys/[id]/route";
import * as members from "@/app/api/admin/tenants/[tenant]/members/route";
import * as member from "@/app/api/admin/tenants/[tenant]/members/[id]/route";
import * as adminTokens from "@/app/api/admin/tenants/[tenant]/admin-tokens/route";
import * as adminToken from "@/app/api/admin/tenants/[tenant]/admin-tokens/[id]/route";
import * as providers from "@/app/api/admin/tenants/[tenant]/providers/route";
import * as provider from "@/app/api/admin/tenants/[tenant]/providers/[id]/route";
import * as tenants from "@/app/api/admin/tenants/route";

afterAll(async () => {
  await disconnectRedis();
  await disconnectDb();
});

type Actor = TenantRole | "none" | "platform";
const ACTORS: Actor[] = ["owner", "admin", "developer", "support", "viewer", "none", "platform"];

interface Action {
  name: string;
  /** Audit action the allowed call writes. */
  audit: string;
  /** Who may do it (the spec, written out independently of ROLE_PERMISSIONS). */
  allowed: Actor[];
  /** Creates the rows the call needs (before the "nothing changed" snapshot). */
  setup?: (t: TestTenant) => Promise<string>;
  /** Calls the real route handler. */
  run(t: TestTenant, token: string, target: string): Promise<Response>;
}

const path = (t: TestTenant, rest: string) => `/api/admin/tenants/${t.slug}${rest}`;

const ACTIONS: Action[] = [
  {
    name: "create api key",
    audit: "api_key:create",
    allowed: ["owner", "admin", "developer", "platform"],
    run: (t, token) => apiKeys.POST(adminRequest(path(t, "/api-keys"), { method: "POST", token, body: { name: "ci" } }), routeParams({ tenant: t.slug })),
  },
  {
    name: "revoke api key",
    audit: "api_key:revoke",
    allowed: ["owner", "admin", "developer", "platform"],
    setup: async (t) => (await createApiKey(t)).id,
    run: (t, token, id) => apiKey.DELETE(adminRequest(path(t, `/api-keys/${id}`), { method: "DELETE", token }), routeParams({ tenant: t.slug, id })),
  },
  {
    name: "add existing user as member",
    audit: "member:add",
    allowed: ["owner", "admin", "platform"],
    setup: async () => (await createUser()).email,
    run: (t, token, email) => members.POST(adminRequest(path(t, "/members"), { method: "POST", token, body: { email, role: "viewer" } }), routeParams({ tenant: t.slug })),
  },
  {
    name: "create user as member",
    audit: "member:add",
    allowed: ["owner", "admin", "platform"],
    setup: async () => `${unique("new")}@example.test`,
    run: (t, token, email) =>
      members.POST(
        adminRequest(path(t, "/members"), { method: "POST", token, body: { email, role: "support", password: "a-long-enough-password" } }),
        routeParams({ tenant: t.slug }),
      ),
  },
  {
    name: "change member role",
    audit: "member:update_role",
    allowed: ["owner", "admin", "platform"],
    setup: async (t) => (await createMemberUser(t, "viewer")).membershipId,
    run: (t, token, id) => member.PATCH(adminRequest(path(t, `/members/${id}`), { method: "PATCH", token, body: { role: "support" } }), routeParams({ tenant: t.slug, id })),
  },
  {
    name: "grant owner role",
    audit: "member:update_role",
    allowed: ["owner", "platform"],
    setup: async (t) => (await createMemberUser(t, "admin")).membershipId,
    run: (t, token, id) => member.PATCH(adminRequest(path(t, `/members/${id}`), { method: "PATCH", token, body: { role: "owner" } }), routeParams({ tenant: t.slug, id })),
  },
  {
    name: "remove member",
    audit: "member:remove",
    allowed: ["owner", "admin", "platform"],
    setup: async (t) => (await createMemberUser(t, "viewer")).membershipId,
    run: (t, token, id) => member.DELETE(adminRequest(path(t, `/members/${id}`), { method: "DELETE", token }), routeParams({ tenant: t.slug, id })),
  },
  {
    name: "remove an owner (not the last)",
    audit: "member:remove",
    allowed: ["owner", "platform"],
    setup: async (t) => (await createMemberUser(t, "owner")).membershipId,
    run: (t, token, id) => member.DELETE(adminRequest(path(t, `/members/${id}`), { method: "DELETE", token }), routeParams({ tenant: t.slug, id })),
  },
  {
    name: "create admin token",
    audit: "admin_token:create",
    allowed: ["owner", "admin", "platform"],
    run: (t, token) => adminTokens.POST(adminRequest(path(t, "/admin-tokens"), { method: "POST", token, body: { name: "ci", role: "developer" } }), routeParams({ tenant: t.slug })),
  },
  {
    name: "create owner admin token",
    audit: "admin_token:create",
    allowed: ["owner", "platform"],
    run: (t, token) => adminTokens.POST(adminRequest(path(t, "/admin-tokens"), { method: "POST", token, body: { name: "ci", role: "owner" } }), routeParams({ tenant: t.slug })),
  },
  {
    name: "revoke admin token",
    audit: "admin_token:revoke",
    allowed: ["owner", "admin", "platform"],
    setup: async (t) => (await createAdminToken({ tenant: t, role: "viewer" })).id,
    run: (t, token, id) => adminToken.DELETE(adminRequest(path(t, `/admin-tokens/${id}`), { method: "DELETE", token }), routeParams({ tenant: t.slug, id })),
  },
  {
    name: "create provider",
    audit: "provider:create",
    allowed: ["owner", "admin", "platform"],
    run: (t, token) =>
      providers.POST(
        adminRequest(path(t, "/providers"), { method: "POST", token, body: { name: unique("p"), kind: "openai", baseUrl: "https://api.example.test/v1", secret: "sk-test-123" } }),
        routeParams({ tenant: t.slug }),
      ),
  },
  {
    name: "update provider",
    audit: "provider:update",
    allowed: ["owner", "admin", "platform"],
    setup: async (t) => (await createProvider(t)).id,
    run: (t, token, id) => provider.PATCH(adminRequest(path(t, `/providers/${id}`), { method: "PATCH", token, body: { enabled: false, secret: "sk-rotated" } }), routeParams({ tenant: t.slug, id })),
  },
  {
    name: "create tenant",
    audit: "tenant:create",
    allowed: ["platform"],
    setup: async () => unique("new"),
    run: (_t, token, slug) => tenants.POST(adminRequest("/api/admin/tenants", { method: "POST", token, body: { slug, name: "New" } }), routeParams({})),
  },
];

async function tokenFor(actor: Actor, t: TestTenant): Promise<string> {
  if (actor === "platform") return (await createAdminToken({ tenant: null })).secret;
  // "none": a valid owner token of ANOTHER tenant: no access here at all.
  if (actor === "none") return (await createAdminToken({ tenant: await createTenant(), role: "owner" })).secret;
  return (await createAdminToken({ tenant: t, role: actor })).secret;
}

describe("role x action matrix (admin API mutations, through the route handlers)", () => {
  for (const action of ACTIONS) {
    describe(action.name, () => {
      for (const actor of ACTORS) {
        const allowed = action.allowed.includes(actor);
        // No membership: the tenant is invisible (404, existence not leaked); the tenant-less route says 403.
        const refusal = actor === "none" && action.audit !== "tenant:create" ? 404 : 403;
        it(`${actor}: ${allowed ? "allowed" : String(refusal)}`, async () => {
          const t = await createTenant();
          await createMemberUser(t, "owner");
          const token = await tokenFor(actor, t);
          const target = action.setup ? await action.setup(t) : "";
          const auditBefore = await db.auditLog.count({ where: { action: action.audit } });
          const before = await tenantStateSnapshot(t.id);

          const res = await action.run(t, token, target);
          const body = (await res.json()) as { data?: unknown; error?: { code: string; message: string } };

          if (allowed) {
            expect(res.status, JSON.stringify(body)).toBeGreaterThanOrEqual(200);
            expect(res.status, JSON.stringify(body)).toBeLessThan(300);
            expect(body.data).toBeDefined();
            expect(await db.auditLog.count({ where: { action: action.audit } })).toBe(auditBefore + 1);
            expect(await tenantStateSnapshot(t.id)).not.toBe(before);
          } else {
            expect(res.status, JSON.stringify(body)).toBe(refusal);
            expect(body.error?.code).toBe(refusal === 403 ? "forbidden" : "not_found");
            expect(await tenantStateSnapshot(t.id)).toBe(before);
            expect(await db.auditLog.count({ where: { action: action.audit } })).toBe(auditBefore);
          }
        });
      }
    });
  }
});
