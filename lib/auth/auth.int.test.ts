/**
 * Sign-in and tenant access: OIDC links only to an existing user by a
 * verified email; tenant access hides tenants the user is not a member of;
 * a platform admin acts as owner everywhere.
 */
import { afterAll, describe, expect, it } from "vitest";
import { db, disconnectDb } from "@/lib/db";
import { disconnectRedis } from "@/lib/redis";
import { allowOidcSignIn, authOptions } from "@/lib/auth/options";
import { loadSessionUser } from "@/lib/auth/session";
import { getTenantAccess, listTenantsForUser } from "@/lib/tenants/access";
import { createMemberUser, createTenant, createUser } from "@/lib/testing/factories";

afterAll(async () => {
  await disconnectRedis();
  await disconnectDb();
});

describe("OIDC sign-in", () => {
  it("links to an existing user by verified email only", async () => {
    const u = await createUser();
    expect(await allowOidcSignIn({ email: u.email.toUpperCase(), email_verified: true })).toBe(u.id);
    expect((await db.user.findUniqueOrThrow({ where: { id: u.id } })).lastLoginAt).not.toBeNull();

    const other = await createUser();
    expect(await allowOidcSignIn({ email: other.email, email_verified: false })).toBeNull();
    expect(await allowOidcSignIn({ email: other.email })).toBeNull();
    expect(await allowOidcSignIn({ email: "stranger@example.test", email_verified: true })).toBeNull();
    expect((await db.user.findUniqueOrThrow({ where: { id: other.id } })).lastLoginAt).toBeNull();
    expect(await db.user.count({ where: { email: "stranger@example.test" } })).toBe(0);

    const disabled = await createUser({ disabled: true });
    expect(await allowOidcSignIn({ email: disabled.email, email_verified: true })).toBeNull();
  });

  it("the OIDC provider exists only when OIDC_* is set; credentials always", () => {
    const ids = () => authOptions.providers.map((p) => p.id);
    expect(ids()).toEqual(["credentials"]);
    Object.assign(process.env, { OIDC_ISSUER: "https://idp.example.test/", OIDC_CLIENT_ID: "gatehouse", OIDC_CLIENT_SECRET: "s3cret" });
    try {
      expect(ids()).toEqual(["credentials", "oidc"]);
    } finally {
      delete process.env.OIDC_ISSUER;
      delete process.env.OIDC_CLIENT_ID;
      delete process.env.OIDC_CLIENT_SECRET;
    }
    expect(authOptions.session?.strategy).toBe("jwt");
    expect(authOptions.pages?.signIn).toBe("/sign-in");
  });
});

describe("session user and tenant access", () => {
  it("re-loads the user: disabled or deleted users have no session", async () => {
    const u = await createUser();
    expect(await loadSessionUser(u.id)).toEqual({ id: u.id, email: u.email, name: u.name, isPlatformAdmin: false });
    await db.user.update({ where: { id: u.id }, data: { disabled: true } });
    expect(await loadSessionUser(u.id)).toBeNull();
    expect(await loadSessionUser("usr_missing")).toBeNull();
    expect(await loadSessionUser(undefined)).toBeNull();
  });

  it("members see their tenants with their role; others get 404 for the same slug", async () => {
    const t1 = await createTenant();
    const t2 = await createTenant();
    const dev = await createMemberUser(t1, "developer");
    const su = { id: dev.id, email: dev.email, name: dev.name, isPlatformAdmin: false };
    expect(await getTenantAccess(su, t1.slug)).toEqual({ tenant: t1, role: "developer" });
    await expect(getTenantAccess(su, t2.slug)).rejects.toMatchObject({ status: 404, message: `tenant '${t2.slug}' not found` });
    await expect(getTenantAccess(su, "no-such-tenant")).rejects.toMatchObject({ status: 404, message: "tenant 'no-such-tenant' not found" });
    expect(await listTenantsForUser(su)).toEqual([{ ...t1, role: "developer" }]);
  });

  it("a platform admin acts as owner in every tenant", async () => {
    const t = await createTenant();
    const admin = await createUser({ isPlatformAdmin: true });
    const su = { id: admin.id, email: admin.email, name: admin.name, isPlatformAdmin: true };
    expect((await getTenantAccess(su, t.slug)).role).toBe("owner");
    expect(await listTenantsForUser(su)).toContainEqual({ ...t, role: "owner" });
  });
});
