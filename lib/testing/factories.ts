/**
 * Test factories: real rows in the test database, each with unique slugs,
 * emails and names so test files never collide (they share one database).
 * Everything goes through Prisma, never mocks.
 */
import { randomBytes } from "node:crypto";
import { db } from "@/lib/db";
import { newId } from "@/lib/ids";
import { newSecret, sha256Hex } from "@/lib/crypto";
import type { TenantRole } from "@/lib/authz/permissions";
import type { PlatformCtx, TenantCtx } from "@/lib/authz/context";
import { hashPassword } from "@/lib/auth/password";
import { createSessionCookie } from "@/lib/auth/session-token";
import { API_KEY_PREFIX } from "@/lib/api-keys/schema";
import { ADMIN_TOKEN_PREFIX } from "@/lib/admin-tokens/verify";

export const TEST_PASSWORD = "correct-horse-battery-staple";

/** `<prefix>-<8 random chars>`: lower-case, slug- and email-safe. */
export function unique(prefix = "t"): string {
  return `${prefix}-${randomBytes(6).toString("base64url").toLowerCase().replace(/[^a-z0-9]/g, "x")}`;
}

export interface TestTenant {
  id: string;
  slug: string;
  name: string;
}

export async function createTenant(overrides: { slug?: string; name?: string } = {}): Promise<TestTenant> {
  const slug = overrides.slug ?? unique("tenant");
  return db.tenant.create({
    data: { id: newId("tenant"), slug, name: overrides.name ?? `Tenant ${slug}` },
    select: { id: true, slug: true, name: true },
  });
}

export interface TestUser {
  id: string;
  email: string;
  name: string;
  isPlatformAdmin: boolean;
  password: string;
}

// argon2 is deliberately slow; hash the shared test password once per process.
let testPasswordHash: Promise<string> | undefined;

export async function createUser(
  opts: { email?: string; name?: string; password?: string; isPlatformAdmin?: boolean; disabled?: boolean } = {},
): Promise<TestUser> {
  const password = opts.password ?? TEST_PASSWORD;
  const passwordHash =
    password === TEST_PASSWORD ? await (testPasswordHash ??= hashPassword(TEST_PASSWORD)) : await hashPassword(password);
  const email = (opts.email ?? `${unique("user")}@example.test`).toLowerCase();
  const user = await db.user.create({
    data: {
      id: newId("user"),
      email,
      name: opts.name ?? email.split("@")[0] ?? email,
      passwordHash,
      isPlatformAdmin: opts.isPlatformAdmin ?? false,
      disabled: opts.disabled ?? false,
    },
  });
  return { id: user.id, email: user.email, name: user.name, isPlatformAdmin: user.isPlatformAdmin, password };
}

export async function addMember(tenant: { id: string }, user: { id: string }, role: TenantRole) {
  return db.membership.create({ data: { id: newId("membership"), tenantId: tenant.id, userId: user.id, role } });
}

/** A new user who is a member of `tenant` with `role`. */
export async function createMemberUser(tenant: { id: string }, role: TenantRole): Promise<TestUser & { membershipId: string }> {
  const user = await createUser();
  const m = await addMember(tenant, user, role);
  return { ...user, membershipId: m.id };
}

export async function createFeature(tenant: { id: string }, key = unique("feature")) {
  return db.feature.create({ data: { id: newId("feature"), tenantId: tenant.id, key, name: key } });
}

/** An API key row plus its secret (hashed like the service does). */
export async function createApiKey(
  tenant: { id: string },
  opts: { name?: string; scopes?: string[]; featureId?: string | null; expiresAt?: Date | null; revokedAt?: Date | null } = {},
): Promise<{ id: string; secret: string; prefix: string }> {
  const secret = newSecret(API_KEY_PREFIX);
  const row = await db.apiKey.create({
    data: {
      id: newId("apiKey"),
      tenantId: tenant.id,
      name: opts.name ?? unique("key"),
      prefix: secret.slice(0, API_KEY_PREFIX.length + 5),
      hash: sha256Hex(secret),
      scopes: opts.scopes ?? [],
      featureId: opts.featureId ?? null,
      expiresAt: opts.expiresAt ?? null,
      revokedAt: opts.revokedAt ?? null,
    },
  });
  return { id: row.id, secret, prefix: row.prefix };
}

/** An admin token: tenant-scoped with a role, or platform-wide (`tenant: null`). */
export async function createAdminToken(
  opts: { tenant: { id: string } | null; role?: TenantRole; name?: string; expiresAt?: Date | null; revokedAt?: Date | null },
): Promise<{ id: string; secret: string }> {
  const secret = newSecret(ADMIN_TOKEN_PREFIX);
  const isPlatform = opts.tenant === null;
  const row = await db.adminToken.create({
    data: {
      id: newId("adminToken"),
      tenantId: opts.tenant?.id ?? null,
      name: opts.name ?? unique("token"),
      prefix: secret.slice(0, ADMIN_TOKEN_PREFIX.length + 5),
      hash: sha256Hex(secret),
      role: isPlatform ? "owner" : (opts.role ?? "viewer"),
      isPlatform,
      expiresAt: opts.expiresAt ?? null,
      revokedAt: opts.revokedAt ?? null,
    },
  });
  return { id: row.id, secret };
}

export async function createProvider(tenant: { id: string }, opts: { name?: string; secretCiphertext?: string | null } = {}) {
  return db.provider.create({
    data: {
      id: newId("provider"),
      tenantId: tenant.id,
      name: opts.name ?? unique("provider"),
      kind: "openai_compatible",
      baseUrl: "http://127.0.0.1:4010/v1",
      secretCiphertext: opts.secretCiphertext ?? null,
    },
  });
}

/** A service context for `tenant` acting as `role` (a synthetic user actor unless given). */
export function ctxFor(
  tenant: { id: string; slug: string },
  role: TenantRole,
  opts: { actor?: TenantCtx["actor"]; isPlatformAdmin?: boolean } = {},
): TenantCtx {
  return {
    tenantId: tenant.id,
    tenantSlug: tenant.slug,
    role,
    isPlatformAdmin: opts.isPlatformAdmin ?? false,
    actor: opts.actor ?? { type: "user", id: newId("user"), label: `${role}@factory.test` },
    ip: "127.0.0.1",
  };
}

export function platformCtxFor(opts: { isPlatformAdmin?: boolean; userId?: string } = {}): PlatformCtx {
  const id = opts.userId ?? newId("user");
  return { isPlatformAdmin: opts.isPlatformAdmin ?? true, actor: { type: "user", id, label: "platform@factory.test" }, userId: id, ip: "127.0.0.1" };
}

/** The Cookie header a signed-in browser of `user` sends (optionally already expired). */
export async function sessionCookieFor(user: { id: string }, opts: { expired?: boolean } = {}): Promise<string> {
  return createSessionCookie(user.id, { maxAgeSeconds: opts.expired ? -3600 : undefined });
}

export interface ApiCall {
  method?: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  /** Admin token secret (`Authorization: Bearer`). */
  token?: string;
  /** Cookie header (session). */
  cookie?: string;
  body?: unknown;
  /** Raw body text instead of JSON.stringify(body). */
  rawBody?: string;
  headers?: Record<string, string>;
}

/** A Request like the browser or a CI script would send to /api/admin/... */
export function adminRequest(path: string, call: ApiCall = {}): Request {
  const headers: Record<string, string> = { ...call.headers };
  if (call.token) headers.authorization = `Bearer ${call.token}`;
  if (call.cookie) headers.cookie = call.cookie;
  const hasBody = call.body !== undefined || call.rawBody !== undefined;
  if (hasBody) headers["content-type"] = "application/json";
  return new Request(`http://127.0.0.1${path}`, {
    method: call.method ?? "GET",
    headers,
    body: hasBody ? (call.rawBody ?? JSON.stringify(call.body)) : undefined,
  });
}

/** Route handler context as Next passes it. */
export function routeParams<P extends Record<string, string>>(params: P): { params: Promise<P> } {
  return { params: Promise.resolve(params) };
}

/**
 * Everything a control-plane mutation could touch for one tenant, as one
 * string: compare before/after to prove a refused request changed nothing.
 * lastUsedAt is left out (authenticating with a token records its use).
 */
export async function tenantStateSnapshot(tenantId: string): Promise<string> {
  const byId = { orderBy: { id: "asc" as const } };
  const [apiKeys, memberships, adminTokens, providers, audit, tenants, platformAudit, users] = await Promise.all([
    db.apiKey.findMany({ where: { tenantId }, ...byId, omit: { lastUsedAt: true } }),
    db.membership.findMany({ where: { tenantId }, ...byId }),
    db.adminToken.findMany({ where: { tenantId }, ...byId, omit: { lastUsedAt: true } }),
    db.provider.findMany({ where: { tenantId }, ...byId }),
    db.auditLog.findMany({ where: { tenantId }, ...byId }),
    db.tenant.findMany({ ...byId, select: { id: true, slug: true, name: true } }),
    db.auditLog.count({ where: { tenantId: null } }),
    db.user.count(),
  ]);
  return JSON.stringify({ apiKeys, memberships, adminTokens, providers, audit, tenants, platformAudit, users }, (_k, v: unknown) =>
    typeof v === "bigint" ? v.toString() : v,
  );
}

// ------------------------------------------------------------ the admin API's route files

export interface AdminRouteFile {
  /** Absolute path of route.ts. */
  file: string;
  /** OpenAPI-style path: /api/admin/tenants/{tenant}/api-keys/{id} */
  path: string;
  /** Dynamic segments in order ("tenant", "id"). */
  params: string[];
}

/** Every route.ts under app/api/admin (so a new route file cannot be forgotten by the tests). */
export async function listAdminRouteFiles(): Promise<AdminRouteFile[]> {
  const { readdir } = await import("node:fs/promises");
  const nodePath = await import("node:path");
  const root = nodePath.resolve(process.cwd(), "app/api/admin");
  const entries = await readdir(root, { recursive: true });
  return entries
    .filter((rel) => rel === "route.ts" || rel.endsWith(`${nodePath.sep}route.ts`))
    .map((rel) => {
      const segments = rel.split(nodePath.sep).slice(0, -1);
      const params = segments.filter((s) => /^\[\w+\]$/.test(s)).map((s) => s.slice(1, -1));
      const path = ["/api/admin", ...segments.map((s) => (/^\[\w+\]$/.test(s) ? `{${s.slice(1, -1)}}` : s))].join("/");
      return { file: nodePath.join(root, rel), path, params };
    })
    .sort((a, b) => a.path.localeCompare(b.path));
}

export type RouteModule = Partial<Record<"GET" | "POST" | "PATCH" | "PUT" | "DELETE", (req: Request, ctx: { params: Promise<Record<string, string>> }) => Promise<Response> | Response>>;

export async function importRoute(file: string): Promise<RouteModule> {
  return (await import(/* @vite-ignore */ file)) as RouteModule;
}
