/**
 * Every mutation writes its audit row in the same transaction as the change:
 * a change without its audit row, or an audit row without its change, is
 * impossible. The failing case is forced with a real Postgres trigger that
 * refuses one audit insert, so the mutation itself must roll back.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db, disconnectDb } from "@/lib/db";
import { disconnectRedis } from "@/lib/redis";
import { newId } from "@/lib/ids";
import { writeAudit } from "@/lib/audit/write";
import { listAuditLog } from "@/lib/audit/service";
import { createApiKey, revokeApiKey } from "@/lib/api-keys/service";
import { addMember, removeMember, updateMemberRole } from "@/lib/members/service";
import { createAdminToken, revokeAdminToken } from "@/lib/admin-tokens/service";
import { createProvider, updateProvider } from "@/lib/providers/service";
import { createTenant as createTenantService } from "@/lib/tenants/service";
import { createMemberUser, createTenant, ctxFor, platformCtxFor, unique } from "@/lib/testing/factories";

const FAIL_LABEL = "audit-must-fail@test";

beforeAll(async () => {
  // Refuses audit rows written by the actor FAIL_LABEL: the mutation's transaction must fail with it.
  await db.$executeRawUnsafe(`
    CREATE OR REPLACE FUNCTION gatehouse_test_fail_audit() RETURNS trigger AS $$
    BEGIN
      IF NEW.actor_label = '${FAIL_LABEL}' THEN RAISE EXCEPTION 'audit refused by test trigger'; END IF;
      RETURN NEW;
    END $$ LANGUAGE plpgsql`);
  await db.$executeRawUnsafe(`DROP TRIGGER IF EXISTS gatehouse_test_fail_audit ON audit_logs`);
  await db.$executeRawUnsafe(`CREATE TRIGGER gatehouse_test_fail_audit BEFORE INSERT ON audit_logs FOR EACH ROW EXECUTE FUNCTION gatehouse_test_fail_audit()`);
});

afterAll(async () => {
  await db.$executeRawUnsafe(`DROP TRIGGER IF EXISTS gatehouse_test_fail_audit ON audit_logs`);
  await db.$executeRawUnsafe(`DROP FUNCTION IF EXISTS gatehouse_test_fail_audit()`);
  await disconnectRedis();
  await disconnectDb();
});

describe("audit log", () => {
  it("every mutation writes one audit row with actor, resource, before and after", async () => {
    const t = await createTenant();
    await createMemberUser(t, "owner");
    const ctx = ctxFor(t, "owner");
    const { key } = await createApiKey(ctx, { name: "k", scopes: [] });
    await revokeApiKey(ctx, key.id);
    const member = await addMember(ctx, { email: `${unique("m")}@example.test`, role: "viewer", password: "long-enough-password" });
    await updateMemberRole(ctx, member.id, { role: "developer" });
    await removeMember(ctx, member.id);
    const { token } = await createAdminToken(ctx, { name: "ci", role: "viewer" });
    await revokeAdminToken(ctx, token.id);
    const provider = await createProvider(ctx, { name: "p", kind: "openai", baseUrl: "https://x.example", secret: "sk-x", config: {}, enabled: true });
    await updateProvider(ctx, provider.id, { enabled: false });

    const page = await listAuditLog(ctx, { limit: 100 });
    expect(page.data.map((e) => e.action).reverse()).toEqual([
      "api_key:create",
      "api_key:revoke",
      "user:create",
      "member:add",
      "member:update_role",
      "member:remove",
      "admin_token:create",
      "admin_token:revoke",
      "provider:create",
      "provider:update",
    ]);
    for (const e of page.data) {
      expect(e).toMatchObject({ tenantId: t.id, actorType: "user", actorId: ctx.actor.id, actorLabel: ctx.actor.label, ip: "127.0.0.1" });
      expect(e.resourceId).toBeTruthy();
    }
    const roleChange = page.data.find((e) => e.action === "member:update_role");
    expect(roleChange?.before).toMatchObject({ role: "viewer" });
    expect(roleChange?.after).toMatchObject({ role: "developer" });
  });

  it("pages with a cursor, newest first, without gaps or repeats", async () => {
    const t = await createTenant();
    const ctx = ctxFor(t, "owner");
    for (let i = 0; i < 7; i++) await createApiKey(ctx, { name: `k${i}`, scopes: [] });
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await listAuditLog(ctx, { limit: 3, cursor });
      seen.push(...page.data.map((e) => e.id));
      cursor = page.nextCursor ?? undefined;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(new Set(seen).size).toBe(7);
    const all = await db.auditLog.findMany({ where: { tenantId: t.id }, orderBy: [{ createdAt: "desc" }, { id: "desc" }] });
    expect(seen).toEqual(all.map((a) => a.id));
  });

  it("writeAudit rolls back with its transaction", async () => {
    const t = await createTenant();
    const ctx = ctxFor(t, "owner");
    await expect(
      db.$transaction(async (tx) => {
        await writeAudit(tx, ctx, { action: "test:rollback", resourceType: "test" });
        throw new Error("boom");
      }),
    ).rejects.toThrow("boom");
    expect(await db.auditLog.count({ where: { tenantId: t.id } })).toBe(0);
  });

  describe("a mutation whose audit row cannot be written does not happen", () => {
    const failing = (t: { id: string; slug: string }) =>
      ctxFor(t, "owner", { actor: { type: "user", id: newId("user"), label: FAIL_LABEL } });

    it("api key create / revoke", async () => {
      const t = await createTenant();
      await expect(createApiKey(failing(t), { name: "k", scopes: [] })).rejects.toThrow();
      expect(await db.apiKey.count({ where: { tenantId: t.id } })).toBe(0);

      const { key } = await createApiKey(ctxFor(t, "owner"), { name: "k", scopes: [] });
      await expect(revokeApiKey(failing(t), key.id)).rejects.toThrow();
      expect((await db.apiKey.findUniqueOrThrow({ where: { id: key.id } })).revokedAt).toBeNull();
    });

    it("member add (with a new user) / role change / remove", async () => {
      const t = await createTenant();
      await createMemberUser(t, "owner");
      const email = `${unique("m")}@example.test`;
      await expect(addMember(failing(t), { email, role: "viewer", password: "long-enough-password" })).rejects.toThrow();
      expect(await db.user.count({ where: { email } })).toBe(0);
      expect(await db.membership.count({ where: { tenantId: t.id } })).toBe(1);

      const m = await createMemberUser(t, "viewer");
      await expect(updateMemberRole(failing(t), m.membershipId, { role: "admin" })).rejects.toThrow();
      expect((await db.membership.findUniqueOrThrow({ where: { id: m.membershipId } })).role).toBe("viewer");
      await expect(removeMember(failing(t), m.membershipId)).rejects.toThrow();
      expect(await db.membership.count({ where: { id: m.membershipId } })).toBe(1);
    });

    it("admin token, provider and tenant creation", async () => {
      const t = await createTenant();
      await expect(createAdminToken(failing(t), { name: "ci", role: "viewer" })).rejects.toThrow();
      expect(await db.adminToken.count({ where: { tenantId: t.id } })).toBe(0);

      await expect(createProvider(failing(t), { name: "p", kind: "openai", baseUrl: "https://x.example", secret: "s", config: {}, enabled: true })).rejects.toThrow();
      expect(await db.provider.count({ where: { tenantId: t.id } })).toBe(0);

      const p = await createProvider(ctxFor(t, "owner"), { name: "p", kind: "openai", baseUrl: "https://x.example", secret: "s", config: {}, enabled: true });
      await expect(updateProvider(failing(t), p.id, { enabled: false, secret: "new" })).rejects.toThrow();
      const row = await db.provider.findUniqueOrThrow({ where: { id: p.id } });
      expect(row.enabled).toBe(true);

      const slug = unique("nt");
      const pctx = { ...platformCtxFor(), actor: { type: "user" as const, id: newId("user"), label: FAIL_LABEL } };
      await expect(createTenantService(pctx, { slug, name: "X" })).rejects.toThrow();
      expect(await db.tenant.count({ where: { slug } })).toBe(0);
    });
  });
});
