/**
 * API keys: the secret is shown once and only its SHA-256 digest is stored;
 * revoked and expired keys are refused by the digest lookup the data plane uses.
 */
import { afterAll, describe, expect, it } from "vitest";
import { db, disconnectDb } from "@/lib/db";
import { disconnectRedis } from "@/lib/redis";
import { sha256Hex } from "@/lib/crypto";
import { findActiveApiKeyByDigest, verifyApiKey } from "@/lib/api-keys";
import { createApiKey as createApiKeyService, listApiKeys, revokeApiKey } from "@/lib/api-keys/service";
import { ApiKey, CreatedApiKey } from "@/lib/api-keys/schema";
import { adminRequest, createAdminToken, createApiKey, createFeature, createTenant, ctxFor, routeParams } from "@/lib/testing/factories";
import * as apiKeysRoute from "@/app/api/admin/tenants/[tenant]/api-keys/route";
import * as apiKeyRoute from "@/app/api/admin/tenants/[tenant]/api-keys/[id]/route";

afterAll(async () => {
  await disconnectRedis();
  await disconnectDb();
});

describe("API keys", () => {
  it("creates a gh_live_ key through the API, shows the secret once and stores only its digest", async () => {
    const t = await createTenant();
    const feature = await createFeature(t);
    const { secret: token } = await createAdminToken({ tenant: t, role: "developer" });
    const res = await apiKeysRoute.POST(
      adminRequest(`/api/admin/tenants/${t.slug}/api-keys`, { method: "POST", token, body: { name: "backend", scopes: ["chat"], featureId: feature.id } }),
      routeParams({ tenant: t.slug }),
    );
    expect(res.status).toBe(201);
    const { data } = (await res.json()) as { data: unknown };
    const created = CreatedApiKey.parse(data);
    expect(created.secret).toMatch(/^gh_live_[A-Za-z0-9_-]{43}$/);
    expect(created.key.prefix).toBe(created.secret.slice(0, 12));
    expect(created.key).toMatchObject({ name: "backend", scopes: ["chat"], featureId: feature.id, status: "active", revokedAt: null });

    const row = await db.apiKey.findUniqueOrThrow({ where: { id: created.key.id } });
    expect(row.hash).toBe(sha256Hex(created.secret));
    // No column of the row holds the plaintext.
    expect(JSON.stringify(row)).not.toContain(created.secret);
    const raw = await db.$queryRaw<Array<{ row: string }>>`SELECT row_to_json(k)::text AS row FROM api_keys k WHERE id = ${created.key.id}`;
    expect(raw[0]?.row).not.toContain(created.secret.slice(8));

    // Listing never shows the secret again.
    const list = await apiKeysRoute.GET(adminRequest(`/api/admin/tenants/${t.slug}/api-keys`, { token }), routeParams({ tenant: t.slug }));
    const listText = await list.text();
    expect(listText).not.toContain(created.secret);
    const listed = (JSON.parse(listText) as { data: unknown[] }).data.map((k) => ApiKey.parse(k));
    expect(listed.map((k) => k.id)).toContain(created.key.id);

    // The data plane's lookup finds it.
    const active = await verifyApiKey(created.secret);
    expect(active).toMatchObject({ id: created.key.id, tenantId: t.id, tenantSlug: t.slug, featureId: feature.id, scopes: ["chat"] });
  });

  it("revocation takes effect at once and is audited; revoking twice changes nothing", async () => {
    const t = await createTenant();
    const ctx = ctxFor(t, "admin");
    const { key, secret } = await createApiKeyService(ctx, { name: "to-revoke", scopes: [] });
    expect(await verifyApiKey(secret)).not.toBeNull();

    const { secret: token } = await createAdminToken({ tenant: t, role: "admin" });
    const res = await apiKeyRoute.DELETE(
      adminRequest(`/api/admin/tenants/${t.slug}/api-keys/${key.id}`, { method: "DELETE", token }),
      routeParams({ tenant: t.slug, id: key.id }),
    );
    expect(res.status).toBe(200);
    const revoked = ApiKey.parse(((await res.json()) as { data: unknown }).data);
    expect(revoked.status).toBe("revoked");
    expect(revoked.revokedAt).not.toBeNull();

    expect(await verifyApiKey(secret)).toBeNull();
    expect(await findActiveApiKeyByDigest(sha256Hex(secret))).toBeNull();
    expect(await db.auditLog.count({ where: { tenantId: t.id, action: "api_key:revoke", resourceId: key.id } })).toBe(1);

    const again = await revokeApiKey(ctx, key.id);
    expect(again.revokedAt).toBe(revoked.revokedAt);
    expect(await db.auditLog.count({ where: { tenantId: t.id, action: "api_key:revoke", resourceId: key.id } })).toBe(1);
  });

  it("expired keys are refused by the lookup and listed as expired", async () => {
    const t = await createTenant();
    const past = new Date(Date.now() - 60_000);
    const future = new Date(Date.now() + 3_600_000);
    const expired = await createApiKey(t, { expiresAt: past });
    const live = await createApiKey(t, { expiresAt: future });
    expect(await verifyApiKey(expired.secret)).toBeNull();
    expect(await verifyApiKey(live.secret)).toMatchObject({ id: live.id });
    // The lookup takes "now" as a parameter: the live key is refused once its time has passed.
    expect(await verifyApiKey(live.secret, new Date(future.getTime() + 1))).toBeNull();

    const listed = await listApiKeys(ctxFor(t, "viewer"));
    expect(listed.find((k) => k.id === expired.id)?.status).toBe("expired");
    expect(listed.find((k) => k.id === live.id)?.status).toBe("active");
  });

  it("refuses malformed and unknown secrets without a database hit on garbage", async () => {
    expect(await verifyApiKey("")).toBeNull();
    expect(await verifyApiKey("gh_live_short")).toBeNull();
    expect(await verifyApiKey(`gh_live_${"A".repeat(43)}`)).toBeNull();
    expect(await findActiveApiKeyByDigest(sha256Hex("nope"))).toBeNull();
  });

  it("rejects an expiry in the past and a feature of another tenant (400 naming the field, nothing written)", async () => {
    const t = await createTenant();
    const other = await createTenant();
    const foreignFeature = await createFeature(other);
    const { secret: token } = await createAdminToken({ tenant: t, role: "owner" });
    const post = (body: unknown) =>
      apiKeysRoute.POST(adminRequest(`/api/admin/tenants/${t.slug}/api-keys`, { method: "POST", token, body }), routeParams({ tenant: t.slug }));

    const past = await post({ name: "x", expiresAt: new Date(Date.now() - 1000).toISOString() });
    expect(past.status).toBe(400);
    expect(((await past.json()) as { error: { param: string } }).error.param).toBe("expiresAt");

    const foreign = await post({ name: "x", featureId: foreignFeature.id });
    expect(foreign.status).toBe(400);
    expect(((await foreign.json()) as { error: { param: string } }).error.param).toBe("featureId");

    expect(await db.apiKey.count({ where: { tenantId: t.id } })).toBe(0);
    expect(await db.auditLog.count({ where: { tenantId: t.id } })).toBe(0);
  });
});
