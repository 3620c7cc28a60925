/**
 * Budgets and rate limits through the real route handlers (admin tokens of
 * each role, the same wrapper the browser's session uses): who may change
 * them, the audit row in the same transaction, the announcement after the
 * commit, bad input refused with a 400 naming the field and nothing written,
 * another tenant's rows out of reach, and the live status read from Redis.
 */
import { afterAll, describe, expect, it } from "vitest";
import { CONFIG_VERSION_KEY, cancelConfigAnnouncementRetries, parseConfigVersion } from "@/lib/config-events";
import { db, disconnectDb } from "@/lib/db";
import { Budget, BudgetStatus, RateLimit } from "@/lib/budgets/schema";
import { budgetCounter } from "@/lib/gateway/limits/plan";
import { seedCounter } from "@/lib/gateway/limits/store";
import { disconnectRedis, getRedis } from "@/lib/redis";
import { adminRequest, createAdminToken, createApiKey, createFeature, createTenant, routeParams, type TestTenant } from "@/lib/testing/factories";
import * as budgetsRoute from "@/app/api/admin/tenants/[tenant]/budgets/route";
import * as budgetRoute from "@/app/api/admin/tenants/[tenant]/budgets/[id]/route";
import * as statusRoute from "@/app/api/admin/tenants/[tenant]/budgets/status/route";
import * as limitsRoute from "@/app/api/admin/tenants/[tenant]/rate-limits/route";
import * as limitRoute from "@/app/api/admin/tenants/[tenant]/rate-limits/[id]/route";

afterAll(async () => {
  cancelConfigAnnouncementRetries();
  await disconnectRedis();
  await disconnectDb();
});

interface Body<T = unknown> {
  data?: T;
  error?: { message: string; param: string | null; code: string };
}

async function read<T>(res: Response): Promise<{ status: number; body: Body<T> }> {
  return { status: res.status, body: (await res.json()) as Body<T> };
}

const base = (t: TestTenant, rest: string) => `/api/admin/tenants/${t.slug}/${rest}`;

async function token(t: TestTenant, role: "owner" | "admin" | "developer" | "viewer"): Promise<string> {
  return (await createAdminToken({ tenant: t, role, name: `${role}-token` })).secret;
}

function createBudget(t: TestTenant, tok: string, body: unknown) {
  return budgetsRoute.POST(adminRequest(base(t, "budgets"), { method: "POST", token: tok, body }), routeParams({ tenant: t.slug })).then((r) => read<Budget>(r));
}

function patchBudget(t: TestTenant, tok: string, id: string, body: unknown) {
  return budgetRoute.PATCH(adminRequest(base(t, `budgets/${id}`), { method: "PATCH", token: tok, body }), routeParams({ tenant: t.slug, id })).then((r) => read<Budget>(r));
}

async function configVersion(): Promise<number> {
  return parseConfigVersion(await getRedis().get(CONFIG_VERSION_KEY));
}

describe("budgets", () => {
  it("an admin creates, edits, disables and deletes a budget: audited, announced, validated", async () => {
    const t = await createTenant();
    const admin = await token(t, "admin");
    const feature = await createFeature(t);
    const v0 = await configVersion();
    const made = await createBudget(t, admin, { name: "Monthly cap", scope: "tenant", period: "month", limitMicros: "5000000" });
    expect(made.status).toBe(201);
    const b = Budget.parse(made.body.data);
    expect(b).toMatchObject({ scope: "tenant", period: "month", limitMicros: "5000000", mode: "hard", alertThresholds: [50, 80, 100], enabled: true });
    expect(await configVersion()).toBeGreaterThan(v0);
    expect(await db.auditLog.count({ where: { tenantId: t.id, action: "budget:create", resourceId: b.id } })).toBe(1);

    const edited = await patchBudget(t, admin, b.id, { limitMicros: 7_000_000, alertThresholds: [90, 50, 50] });
    expect(edited.body.data).toMatchObject({ limitMicros: "7000000", alertThresholds: [50, 90] });
    const disabled = await patchBudget(t, admin, b.id, { enabled: false });
    expect(disabled.body.data?.enabled).toBe(false);
    expect(await db.auditLog.count({ where: { tenantId: t.id, action: "budget:disable", resourceId: b.id } })).toBe(1);

    const perFeature = await createBudget(t, admin, { name: "Feature day", scope: "feature", featureId: feature.id, period: "day", limitMicros: "100", mode: "soft" });
    expect(perFeature.status).toBe(201);

    const del = await budgetRoute.DELETE(adminRequest(base(t, `budgets/${b.id}`), { method: "DELETE", token: admin }), routeParams({ tenant: t.slug, id: b.id }));
    expect(del.status).toBe(200);
    expect(await db.budget.count({ where: { id: b.id } })).toBe(0);
    expect(await db.auditLog.count({ where: { tenantId: t.id, action: "budget:delete", resourceId: b.id } })).toBe(1);
  });

  it("bad input is a 400 naming the field, and nothing is written", async () => {
    const t = await createTenant();
    const admin = await token(t, "admin");
    const other = await createTenant();
    const foreignFeature = await createFeature(other);
    const cases: Array<[unknown, string]> = [
      [{ name: "x", scope: "tenant", period: "month", limitMicros: "0" }, "limitMicros"],
      [{ name: "x", scope: "tenant", period: "month", limitMicros: "1.5" }, "limitMicros"],
      [{ name: "x", scope: "tenant", period: "week", limitMicros: "10" }, "period"],
      [{ name: "x", scope: "feature", period: "day", limitMicros: "10" }, "featureId"],
      [{ name: "x", scope: "tenant", apiKeyId: "key_abc", period: "day", limitMicros: "10" }, "apiKeyId"],
      [{ name: "x", scope: "feature", featureId: foreignFeature.id, period: "day", limitMicros: "10" }, "featureId"],
    ];
    for (const [body, param] of cases) {
      const res = await createBudget(t, admin, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error?.param).toBe(param);
    }
    expect(await db.budget.count({ where: { tenantId: t.id } })).toBe(0);
    expect(await db.auditLog.count({ where: { tenantId: t.id, resourceType: "budget" } })).toBe(0);
  });

  it("a developer or viewer may read but not change budgets; another tenant's budget is a 404", async () => {
    const t = await createTenant();
    const other = await createTenant();
    const ownerOther = await token(other, "owner");
    const theirs = Budget.parse((await createBudget(other, ownerOther, { name: "theirs", scope: "tenant", period: "day", limitMicros: "10" })).body.data);
    for (const role of ["developer", "viewer"] as const) {
      const tok = await token(t, role);
      expect((await createBudget(t, tok, { name: "x", scope: "tenant", period: "day", limitMicros: "10" })).status).toBe(403);
      const list = await budgetsRoute.GET(adminRequest(base(t, "budgets"), { token: tok }), routeParams({ tenant: t.slug }));
      expect(list.status).toBe(200);
    }
    const owner = await token(t, "owner");
    expect((await patchBudget(t, owner, theirs.id, { enabled: false })).status).toBe(404);
    expect((await db.budget.findUniqueOrThrow({ where: { id: theirs.id } })).enabled).toBe(true);
  });

  it("the status endpoint reads spent and reserved from Redis, per subject for per-key budgets", async () => {
    const t = await createTenant();
    const admin = await token(t, "admin");
    const key = await createApiKey(t);
    const tenantBudget = Budget.parse((await createBudget(t, admin, { name: "all", scope: "tenant", period: "month", limitMicros: "1000" })).body.data);
    const perKey = Budget.parse((await createBudget(t, admin, { name: "each key", scope: "api_key", period: "day", limitMicros: "500" })).body.data);
    const now = new Date();
    const entry = (b: Budget) => ({ ...b, tenantId: t.id, limitMicros: BigInt(b.limitMicros), hard: true, createdAt: new Date(b.createdAt) });
    await seedCounter(getRedis(), budgetCounter(entry(tenantBudget), "-", now), 250n);
    await seedCounter(getRedis(), budgetCounter(entry(perKey), key.id, now), 40n);
    const res = await read<BudgetStatus[]>(await statusRoute.GET(adminRequest(base(t, "budgets/status"), { token: admin }), routeParams({ tenant: t.slug })));
    expect(res.status).toBe(200);
    const statuses = (res.body.data ?? []).map((s) => BudgetStatus.parse(s));
    expect(statuses.find((s) => s.budgetId === tenantBudget.id)).toMatchObject({ limitMicros: "1000", counters: [{ subject: "-", spentMicros: "250", reservedMicros: "0", seeded: true }] });
    expect(statuses.find((s) => s.budgetId === perKey.id)).toMatchObject({ counters: [{ subject: key.id, spentMicros: "40" }], truncated: false });
  });
});

describe("rate limits", () => {
  it("create, edit, disable; concurrency only per key; audited", async () => {
    const t = await createTenant();
    const admin = await token(t, "admin");
    const made = await read<RateLimit>(await limitsRoute.POST(adminRequest(base(t, "rate-limits"), { method: "POST", token: admin, body: { scope: "api_key", requestsPerMinute: 100, maxConcurrent: 4 } }), routeParams({ tenant: t.slug })));
    expect(made.status).toBe(201);
    const r = RateLimit.parse(made.body.data);
    const bad = await read(await limitsRoute.POST(adminRequest(base(t, "rate-limits"), { method: "POST", token: admin, body: { scope: "ip", maxConcurrent: 4 } }), routeParams({ tenant: t.slug })));
    expect(bad).toMatchObject({ status: 400, body: { error: { param: "maxConcurrent" } } });
    const none = await read(await limitsRoute.POST(adminRequest(base(t, "rate-limits"), { method: "POST", token: admin, body: { scope: "tenant" } }), routeParams({ tenant: t.slug })));
    expect(none).toMatchObject({ status: 400, body: { error: { param: "requestsPerMinute" } } });
    const patched = await read<RateLimit>(await limitRoute.PATCH(adminRequest(base(t, `rate-limits/${r.id}`), { method: "PATCH", token: admin, body: { tokensPerMinute: 5000, enabled: false } }), routeParams({ tenant: t.slug, id: r.id })));
    expect(patched.body.data).toMatchObject({ requestsPerMinute: 100, tokensPerMinute: 5000, maxConcurrent: 4, enabled: false });
    expect(await db.auditLog.count({ where: { tenantId: t.id, resourceType: "rate_limit" } })).toBe(2);
  });
});
