/**
 * Provider secrets: AES-256-GCM ciphertext in the database, decrypted only by
 * getProviderSecretForUse on the server, never in any API response or audit row.
 */
import { afterAll, describe, expect, it } from "vitest";
import { db, disconnectDb } from "@/lib/db";
import { disconnectRedis } from "@/lib/redis";
import { decryptSecret } from "@/lib/crypto";
import { Provider } from "@/lib/providers/schema";
import { getProviderSecretForUse } from "@/lib/providers/service";
import { adminRequest, createAdminToken, createTenant, routeParams } from "@/lib/testing/factories";
import * as providersRoute from "@/app/api/admin/tenants/[tenant]/providers/route";
import * as providerRoute from "@/app/api/admin/tenants/[tenant]/providers/[id]/route";
import * as auditRoute from "@/app/api/admin/tenants/[tenant]/audit-log/route";

afterAll(async () => {
  await disconnectRedis();
  await disconnectDb();
});

const SECRET = "sk-live-provider-secret-0123456789";
const ROTATED = "sk-rotated-provider-secret-9876543210";

describe("provider secrets", () => {
  it("are stored encrypted, decrypt on use, and never appear in an API response", async () => {
    const t = await createTenant();
    const { secret: token } = await createAdminToken({ tenant: t, role: "admin" });
    const responses: string[] = [];
    const base = `/api/admin/tenants/${t.slug}/providers`;

    const created = await providersRoute.POST(
      adminRequest(base, { method: "POST", token, body: { name: "openai-main", kind: "openai", baseUrl: "https://api.openai.example/v1", secret: SECRET } }),
      routeParams({ tenant: t.slug }),
    );
    expect(created.status).toBe(201);
    const createdText = await created.text();
    responses.push(createdText);
    const provider = Provider.parse((JSON.parse(createdText) as { data: unknown }).data);
    expect(provider.hasSecret).toBe(true);

    const row = await db.provider.findUniqueOrThrow({ where: { id: provider.id } });
    expect(row.secretCiphertext).toBeTruthy();
    expect(row.secretCiphertext).not.toContain(SECRET);
    expect(row.secretCiphertext?.startsWith("v1:")).toBe(true);
    expect(decryptSecret(row.secretCiphertext ?? "")).toBe(SECRET);
    expect(await getProviderSecretForUse(t.id, provider.id)).toBe(SECRET);

    // Rotate through PATCH; the new ciphertext differs, decrypts to the new secret.
    const patched = await providerRoute.PATCH(
      adminRequest(`${base}/${provider.id}`, { method: "PATCH", token, body: { secret: ROTATED } }),
      routeParams({ tenant: t.slug, id: provider.id }),
    );
    expect(patched.status).toBe(200);
    responses.push(await patched.text());
    const rotatedRow = await db.provider.findUniqueOrThrow({ where: { id: provider.id } });
    expect(rotatedRow.secretCiphertext).not.toBe(row.secretCiphertext);
    expect(await getProviderSecretForUse(t.id, provider.id)).toBe(ROTATED);

    // Other fields change without touching the secret.
    const renamed = await providerRoute.PATCH(
      adminRequest(`${base}/${provider.id}`, { method: "PATCH", token, body: { enabled: false } }),
      routeParams({ tenant: t.slug, id: provider.id }),
    );
    responses.push(await renamed.text());
    expect(await getProviderSecretForUse(t.id, provider.id)).toBe(ROTATED);

    responses.push(await (await providersRoute.GET(adminRequest(base, { token }), routeParams({ tenant: t.slug }))).text());
    responses.push(await (await providerRoute.GET(adminRequest(`${base}/${provider.id}`, { token }), routeParams({ tenant: t.slug, id: provider.id }))).text());
    responses.push(await (await auditRoute.GET(adminRequest(`/api/admin/tenants/${t.slug}/audit-log`, { token }), routeParams({ tenant: t.slug }))).text());

    for (const text of responses) {
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain(ROTATED);
      expect(text).not.toContain(rotatedRow.secretCiphertext ?? "never");
      expect(text).not.toContain("secretCiphertext");
    }
    const audit = await db.auditLog.findMany({ where: { tenantId: t.id } });
    expect(audit.map((a) => a.action).sort()).toEqual(["provider:create", "provider:update", "provider:update"]);
    expect(JSON.stringify(audit)).not.toContain(SECRET);
    expect(JSON.stringify(audit)).not.toContain(ROTATED);

    // Clearing the secret.
    await providerRoute.PATCH(adminRequest(`${base}/${provider.id}`, { method: "PATCH", token, body: { secret: null } }), routeParams({ tenant: t.slug, id: provider.id }));
    expect(await getProviderSecretForUse(t.id, provider.id)).toBeNull();
  });

  it("a viewer can list providers but sees no secret and cannot create one", async () => {
    const t = await createTenant();
    const { secret: admin } = await createAdminToken({ tenant: t, role: "admin" });
    const { secret: viewer } = await createAdminToken({ tenant: t, role: "viewer" });
    const base = `/api/admin/tenants/${t.slug}/providers`;
    await providersRoute.POST(adminRequest(base, { method: "POST", token: admin, body: { name: "p1", kind: "anthropic", baseUrl: "https://a.example", secret: SECRET } }), routeParams({ tenant: t.slug }));
    const list = await providersRoute.GET(adminRequest(base, { token: viewer }), routeParams({ tenant: t.slug }));
    expect(list.status).toBe(200);
    const text = await list.text();
    expect(text).not.toContain(SECRET);
    expect((JSON.parse(text) as { data: Array<{ hasSecret: boolean }> }).data[0]?.hasSecret).toBe(true);
    const denied = await providersRoute.POST(adminRequest(base, { method: "POST", token: viewer, body: { name: "p2", kind: "openai", baseUrl: "https://b.example" } }), routeParams({ tenant: t.slug }));
    expect(denied.status).toBe(403);
    expect(await db.provider.count({ where: { tenantId: t.id } })).toBe(1);
  });
});
