/**
 * Bad input at the control plane: wrong password, unknown tenant, a role
 * without permission, a malformed field, an expired session, a revoked or
 * expired admin token. Each gets a clear status and message, and changes
 * nothing (the tenant's state is compared before and after).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db, disconnectDb } from "@/lib/db";
import { disconnectRedis } from "@/lib/redis";
import { authorizeCredentials } from "@/lib/auth/options";
import {
  adminRequest,
  createAdminToken,
  createMemberUser,
  createTenant,
  createUser,
  routeParams,
  sessionCookieFor,
  tenantStateSnapshot,
  TEST_PASSWORD,
  type TestTenant,
  type TestUser,
} from "@/lib/testing/factories";
import * as apiKeysRoute from "@/app/api/admin/tenants/[tenant]/api-keys/route";
import * as membersRoute from "@/app/api/admin/tenants/[tenant]/members/route";
import * as memberRoute from "@/app/api/admin/tenants/[tenant]/members/[id]/route";
import * as meRoute from "@/app/api/admin/me/route";

let t: TestTenant;
let owner: TestUser & { membershipId: string };
let viewer: TestUser & { membershipId: string };

beforeAll(async () => {
  t = await createTenant();
  owner = await createMemberUser(t, "owner");
  viewer = await createMemberUser(t, "viewer");
});

afterAll(async () => {
  await disconnectRedis();
  await disconnectDb();
});

interface ErrorJson {
  error: { message: string; type: string; param: string | null; code: string };
}

const keysUrl = () => `/api/admin/tenants/${t.slug}/api-keys`;
const postKey = (init: Parameters<typeof adminRequest>[1], slug = t.slug) =>
  apiKeysRoute.POST(adminRequest(`/api/admin/tenants/${slug}/api-keys`, { method: "POST", ...init }), routeParams({ tenant: slug }));

/** Runs `fn`, asserting the tenant's state is the same afterwards. */
async function changesNothing<T>(fn: () => Promise<T>): Promise<T> {
  const before = await tenantStateSnapshot(t.id);
  const out = await fn();
  expect(await tenantStateSnapshot(t.id)).toBe(before);
  return out;
}

describe("sign-in (next-auth credentials authorize)", () => {
  it("accepts the right password and records lastLoginAt", async () => {
    const u = await createUser();
    const user = await authorizeCredentials({ email: u.email.toUpperCase(), password: TEST_PASSWORD });
    expect(user).toMatchObject({ id: u.id, email: u.email });
    expect((await db.user.findUniqueOrThrow({ where: { id: u.id } })).lastLoginAt).not.toBeNull();
  });

  it("returns null for a wrong password, an unknown email, a disabled user or malformed input, and changes nothing", async () => {
    const u = await createUser();
    const disabled = await createUser({ disabled: true });
    const before = await db.user.findMany({ where: { id: { in: [u.id, disabled.id] } }, orderBy: { id: "asc" } });
    expect(await authorizeCredentials({ email: u.email, password: "wrong-password" })).toBeNull();
    expect(await authorizeCredentials({ email: "nobody@example.test", password: TEST_PASSWORD })).toBeNull();
    expect(await authorizeCredentials({ email: disabled.email, password: TEST_PASSWORD })).toBeNull();
    expect(await authorizeCredentials({ email: "not-an-email", password: TEST_PASSWORD })).toBeNull();
    expect(await authorizeCredentials({ email: u.email })).toBeNull();
    expect(await authorizeCredentials(undefined)).toBeNull();
    const after = await db.user.findMany({ where: { id: { in: [u.id, disabled.id] } }, orderBy: { id: "asc" } });
    expect(after).toEqual(before);
  });
});

describe("session cookie", () => {
  it("a valid session works through the same wrapper", async () => {
    const cookie = await sessionCookieFor(owner);
    const res = await meRoute.GET(adminRequest("/api/admin/me", { cookie }), routeParams({}));
    expect(res.status).toBe(200);
    const body = (await res.json()) as { data: { user: { id: string }; tenants: Array<{ slug: string; role: string }> } };
    expect(body.data.user.id).toBe(owner.id);
    expect(body.data.tenants).toContainEqual(expect.objectContaining({ slug: t.slug, role: "owner" }));

    const created = await postKey({ cookie, body: { name: "from-browser" }, headers: { origin: "http://127.0.0.1" } });
    expect(created.status).toBe(201);
  });

  it("an expired session is 401 and changes nothing", async () => {
    const cookie = await sessionCookieFor(owner, { expired: true });
    const res = await changesNothing(() => postKey({ cookie, body: { name: "nope" } }));
    expect(res.status).toBe(401);
    const body = (await res.json()) as ErrorJson;
    expect(body.error.code).toBe("unauthorized");
    expect(body.error.message).toMatch(/session has expired/i);
  });

  it("a tampered cookie or a disabled user is 401", async () => {
    const cookie = await sessionCookieFor(owner);
    const tampered = await postKey({ cookie: `${cookie.slice(0, -4)}AAAA`, body: { name: "nope" } });
    expect(tampered.status).toBe(401);

    const gone = await createMemberUser(t, "owner");
    const goneCookie = await sessionCookieFor(gone);
    await db.user.update({ where: { id: gone.id }, data: { disabled: true } });
    const res = await changesNothing(() => postKey({ cookie: goneCookie, body: { name: "nope" } }));
    expect(res.status).toBe(401);
  });

  it("a cross-origin write with a session cookie is refused", async () => {
    const cookie = await sessionCookieFor(owner);
    const res = await changesNothing(() => postKey({ cookie, body: { name: "csrf" }, headers: { origin: "https://evil.example" } }));
    expect(res.status).toBe(403);
  });

  it("no credentials at all is 401", async () => {
    const res = await changesNothing(() => postKey({ body: { name: "anon" } }));
    expect(res.status).toBe(401);
    expect(((await res.json()) as ErrorJson).error.type).toBe("authentication_error");
  });
});

describe("admin tokens", () => {
  it("revoked and expired tokens are 401 and change nothing", async () => {
    const revoked = await createAdminToken({ tenant: t, role: "owner", revokedAt: new Date() });
    const expired = await createAdminToken({ tenant: t, role: "owner", expiresAt: new Date(Date.now() - 1000) });
    for (const token of [revoked.secret, expired.secret, "gh_admin_not-a-real-token", `gh_admin_${"x".repeat(43)}`]) {
      const res = await changesNothing(() => postKey({ token, body: { name: "nope" } }));
      expect(res.status).toBe(401);
      expect(((await res.json()) as ErrorJson).error.message).toMatch(/invalid, revoked or expired/i);
    }
  });

  it("a malformed Authorization header is 401", async () => {
    const res = await apiKeysRoute.GET(adminRequest(keysUrl(), { headers: { authorization: "Basic abc" } }), routeParams({ tenant: t.slug }));
    expect(res.status).toBe(401);
  });
});

describe("tenant and permission", () => {
  it("an unknown tenant in the URL is 404, even for a platform admin", async () => {
    const { secret: platform } = await createAdminToken({ tenant: null });
    const res = await postKey({ token: platform, body: { name: "x" } }, "no-such-tenant");
    expect(res.status).toBe(404);
    const body = (await res.json()) as ErrorJson;
    expect(body.error).toMatchObject({ code: "not_found", type: "not_found_error", message: "tenant 'no-such-tenant' not found" });
  });

  it("a member of another tenant gets the same 404 as an unknown tenant", async () => {
    const other = await createTenant();
    const outsider = await createMemberUser(other, "owner");
    const res = await changesNothing(async () =>
      apiKeysRoute.GET(adminRequest(keysUrl(), { cookie: await sessionCookieFor(outsider) }), routeParams({ tenant: t.slug })),
    );
    expect(res.status).toBe(404);
  });

  it("a role without the permission is 403 with a message naming it, and changes nothing", async () => {
    const res = await changesNothing(async () => postKey({ cookie: await sessionCookieFor(viewer), body: { name: "x" } }));
    expect(res.status).toBe(403);
    const body = (await res.json()) as ErrorJson;
    expect(body.error.code).toBe("forbidden");
    expect(body.error.message).toContain("api_keys:write");
  });
});

describe("malformed input", () => {
  it("400 naming the field, and nothing written", async () => {
    const { secret: token } = await createAdminToken({ tenant: t, role: "owner" });
    const cases: Array<{ body?: unknown; rawBody?: string; param: string | null; code: string }> = [
      { body: { name: "" }, param: "name", code: "validation_failed" },
      { body: {}, param: "name", code: "validation_failed" },
      { body: { name: "x", expiresAt: "tomorrow" }, param: "expiresAt", code: "validation_failed" },
      { body: { name: "x", scopes: ["Not Valid"] }, param: "scopes.0", code: "validation_failed" },
      { body: { name: "x", scopes: "chat" }, param: "scopes", code: "validation_failed" },
      { rawBody: "{not json", param: null, code: "invalid_json" },
    ];
    for (const c of cases) {
      const res = await changesNothing(() => postKey({ token, body: c.body, rawBody: c.rawBody }));
      expect(res.status, JSON.stringify(c)).toBe(400);
      const body = (await res.json()) as ErrorJson;
      expect(body.error.param, JSON.stringify(c)).toBe(c.param);
      expect(body.error.code).toBe(c.code);
      if (c.param) expect(body.error.message).toContain(c.param);
    }
  });

  it("members: bad role, missing password for a new user, bad email", async () => {
    const { secret: token } = await createAdminToken({ tenant: t, role: "owner" });
    const post = (body: unknown) =>
      membersRoute.POST(adminRequest(`/api/admin/tenants/${t.slug}/members`, { method: "POST", token, body }), routeParams({ tenant: t.slug }));
    for (const [body, param] of [
      [{ email: "new@example.test", role: "superuser" }, "role"],
      [{ email: "not-an-email", role: "viewer" }, "email"],
      [{ email: "brand-new-person@example.test", role: "viewer" }, "password"],
      [{ email: "brand-new-person@example.test", role: "viewer", password: "short" }, "password"],
    ] as const) {
      const res = await changesNothing(() => post(body));
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(((await res.json()) as ErrorJson).error.param).toBe(param);
    }
    // A password for an existing user is a conflict, not a silent password reset.
    const res = await changesNothing(() => post({ email: viewer.email, role: "viewer", password: "another-long-password" }));
    expect(res.status).toBe(409);
  });

  it("the last owner can be neither demoted nor removed (409)", async () => {
    const solo = await createTenant();
    const only = await createMemberUser(solo, "owner");
    const { secret: token } = await createAdminToken({ tenant: solo, role: "owner" });
    const url = `/api/admin/tenants/${solo.slug}/members/${only.membershipId}`;
    const before = await tenantStateSnapshot(solo.id);
    const demote = await memberRoute.PATCH(adminRequest(url, { method: "PATCH", token, body: { role: "admin" } }), routeParams({ tenant: solo.slug, id: only.membershipId }));
    expect(demote.status).toBe(409);
    const remove = await memberRoute.DELETE(adminRequest(url, { method: "DELETE", token }), routeParams({ tenant: solo.slug, id: only.membershipId }));
    expect(remove.status).toBe(409);
    expect(((await remove.json()) as ErrorJson).error.message).toMatch(/at least one owner/);
    expect(await tenantStateSnapshot(solo.id)).toBe(before);
  });

  it("an unknown id is 404", async () => {
    const { secret: token } = await createAdminToken({ tenant: t, role: "owner" });
    const res = await changesNothing(() =>
      memberRoute.DELETE(adminRequest(`/api/admin/tenants/${t.slug}/members/mem_nope`, { method: "DELETE", token }), routeParams({ tenant: t.slug, id: "mem_nope" })),
    );
    expect(res.status).toBe(404);
  });
});
