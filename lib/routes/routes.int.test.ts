/**
 * Routes & providers, through the real route handlers with admin tokens:
 * editing a route's chain (audited, announced to the gateways), forcing a
 * target's circuit open/closed (audited, persisted, announced), the live
 * circuit state from the gateway's breaker in Redis, the recent error rate
 * from the request log, role checks and tenant isolation.
 */
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db, disconnectDb } from "@/lib/db";
import { createRedis, disconnectRedis, getRedis } from "@/lib/redis";
import { newId } from "@/lib/ids";
import { configChannel, parseConfigMessage, type ConfigMessage } from "@/lib/config-events";
import { CircuitBreaker } from "@/lib/gateway/reliability/circuit-breaker";
import { Route, RouteTarget, RouteTargetsHealth } from "@/lib/routes/schema";
import { adminRequest, createAdminToken, createTenant, routeParams, unique, type TestTenant } from "@/lib/testing/factories";
import type { TenantRole } from "@/lib/authz/permissions";
import * as routeById from "@/app/api/admin/tenants/[tenant]/routes/[id]/route";
import * as targetById from "@/app/api/admin/tenants/[tenant]/route-targets/[id]/route";
import * as resetCircuit from "@/app/api/admin/tenants/[tenant]/route-targets/[id]/reset-circuit/route";
import * as health from "@/app/api/admin/tenants/[tenant]/route-targets/health/route";

let sub: Redis;
const messages: ConfigMessage[] = [];
const waiters: Array<{ match: (m: ConfigMessage) => boolean; resolve: (m: ConfigMessage) => void }> = [];

beforeAll(async () => {
  sub = createRedis({}, process.env.REDIS_URL);
  sub.on("message", (_channel: string, raw: string) => {
    const m = parseConfigMessage(raw);
    if (!m) return;
    messages.push(m);
    for (const w of [...waiters]) {
      if (w.match(m)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(m);
      }
    }
  });
  // Channels are server-wide; lib/config-events scopes them by the Redis db.
  await sub.subscribe(configChannel(sub.options.db ?? 0));
});

afterAll(async () => {
  await sub.quit();
  await disconnectRedis();
  await disconnectDb();
});

/** Resolves when a config-change message for `id` arrives (or already has). */
function announced(id: string): Promise<ConfigMessage> {
  const match = (m: ConfigMessage) => m.kind === "route" && m.id === id;
  const seen = messages.find(match);
  if (seen) return Promise.resolve(seen);
  return new Promise((resolve) => waiters.push({ match, resolve }));
}

interface Fixture {
  t: TestTenant;
  routeId: string;
  /** provider models: a, b, c */
  models: Record<"a" | "b" | "c", string>;
  /** targets: primary (model a), fallback (model b) */
  targets: Record<"primary" | "fallback", string>;
  providerName: string;
}

async function fixture(): Promise<Fixture> {
  const t = await createTenant();
  const providerName = unique("prov");
  const provider = await db.provider.create({ data: { id: newId("provider"), tenantId: t.id, name: providerName, kind: "openai", baseUrl: "http://127.0.0.1:9/v1" } });
  const mk = (name: string) => db.providerModel.create({ data: { id: newId("providerModel"), tenantId: t.id, providerId: provider.id, name } });
  const [a, b, c] = await Promise.all([mk("model-a"), mk("model-b"), mk("model-c")]);
  const route = await db.route.create({ data: { id: newId("route"), tenantId: t.id, alias: unique("alias"), totalTimeoutMs: 60_000 } });
  const primary = await db.routeTarget.create({ data: { id: newId("routeTarget"), tenantId: t.id, routeId: route.id, modelId: a.id, position: 0, timeoutMs: 10_000 } });
  const fallback = await db.routeTarget.create({ data: { id: newId("routeTarget"), tenantId: t.id, routeId: route.id, modelId: b.id, position: 1, timeoutMs: 15_000 } });
  return { t, routeId: route.id, models: { a: a.id, b: b.id, c: c.id }, targets: { primary: primary.id, fallback: fallback.id }, providerName };
}

const tokens = new Map<string, string>();
async function tokenFor(t: TestTenant, role: TenantRole): Promise<string> {
  const k = `${t.id}:${role}`;
  let s = tokens.get(k);
  if (!s) {
    s = (await createAdminToken({ tenant: t, role })).secret;
    tokens.set(k, s);
  }
  return s;
}

const base = (t: TestTenant) => `/api/admin/tenants/${t.slug}`;

function patchRoute(t: TestTenant, token: string, id: string, body: unknown) {
  return routeById.PATCH(adminRequest(`${base(t)}/routes/${id}`, { method: "PATCH", token, body }), routeParams({ tenant: t.slug, id }));
}
function patchTarget(t: TestTenant, token: string, id: string, body: unknown) {
  return targetById.PATCH(adminRequest(`${base(t)}/route-targets/${id}`, { method: "PATCH", token, body }), routeParams({ tenant: t.slug, id }));
}
async function getHealth(t: TestTenant, token: string) {
  const res = await health.GET(adminRequest(`${base(t)}/route-targets/health`, { token }), routeParams({ tenant: t.slug }));
  expect(res.status, await res.clone().text()).toBe(200);
  return RouteTargetsHealth.parse(((await res.json()) as { data: unknown }).data);
}
async function dataOf<T>(res: Response, schema: { parse(v: unknown): T }): Promise<T> {
  const text = await res.text();
  expect(res.status, text).toBe(200);
  return schema.parse((JSON.parse(text) as { data: unknown }).data);
}

const targetRow = (modelId: string, extra: Record<string, unknown> = {}) => ({ modelId, timeoutMs: 5_000, maxRetries: 1, weight: 1, failureThreshold: 3, cooldownMs: 20_000, ...extra });

describe("editing a route's chain", () => {
  it("reorders, adds, removes and edits targets, keeps kept ids, audits before/after and announces the change", async () => {
    const f = await fixture();
    const token = await tokenFor(f.t, "developer");
    const res = await patchRoute(f.t, token, f.routeId, {
      description: "edited",
      totalTimeoutMs: 30_000,
      staticFallback: { content: "Sorry, try again later." },
      // fallback becomes primary with new knobs; c is new; the old primary is dropped
      targets: [targetRow(f.models.b, { id: f.targets.fallback, timeoutMs: 8_000, maxRetries: 0, weight: 3, failureThreshold: 7, cooldownMs: 45_000 }), targetRow(f.models.c)],
    });
    const route = await dataOf(res, Route);
    expect(route.description).toBe("edited");
    expect(route.totalTimeoutMs).toBe(30_000);
    expect(route.staticFallback).toEqual({ role: "assistant", content: "Sorry, try again later." });
    expect(route.targets.map((t) => [t.position, t.model.id])).toEqual([
      [0, f.models.b],
      [1, f.models.c],
    ]);
    expect(route.targets[0]).toMatchObject({ id: f.targets.fallback, timeoutMs: 8_000, maxRetries: 0, weight: 3, failureThreshold: 7, cooldownMs: 45_000, routeId: f.routeId });
    expect(route.targets[1]?.id).not.toBe(f.targets.primary);

    // Persisted as returned; the dropped target is gone.
    const rows = await db.routeTarget.findMany({ where: { routeId: f.routeId }, orderBy: { position: "asc" } });
    expect(rows.map((r) => r.modelId)).toEqual([f.models.b, f.models.c]);
    expect(await db.routeTarget.findUnique({ where: { id: f.targets.primary } })).toBeNull();

    const audit = await db.auditLog.findMany({ where: { tenantId: f.t.id } });
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ action: "route:update", resourceType: "route", resourceId: f.routeId, actorType: "admin_token" });
    const before = audit[0]?.before as { targets: Array<{ id: string }>; staticFallback: unknown };
    const after = audit[0]?.after as { targets: Array<{ id: string }>; staticFallback: unknown };
    expect(before.targets.map((t) => t.id)).toEqual([f.targets.primary, f.targets.fallback]);
    expect(before.staticFallback).toBeNull();
    expect(after.targets.map((t) => t.id)).toEqual(route.targets.map((t) => t.id));

    const msg = await announced(f.routeId);
    expect(msg).toMatchObject({ tenantId: f.t.id, kind: "route", id: f.routeId });
  });

  it("puts targets at one position into a load-balanced group; a target stays with its model whichever input names it", async () => {
    const f = await fixture();
    const token = await tokenFor(f.t, "admin");
    // a and b share position 0 (3:1), c is the next position.
    const route = await dataOf(
      await patchRoute(f.t, token, f.routeId, {
        targets: [
          targetRow(f.models.a, { id: f.targets.primary, position: 0, weight: 3 }),
          targetRow(f.models.b, { id: f.targets.fallback, position: 0, weight: 1 }),
          targetRow(f.models.c, { position: 1 }),
        ],
      }),
      Route,
    );
    expect(route.targets.map((t) => [t.position, t.model.id, t.weight])).toEqual([
      [0, f.models.a, 3],
      [0, f.models.b, 1],
      [1, f.models.c, 1],
    ]);
    expect(route.targets.slice(0, 2).map((t) => t.id)).toEqual([f.targets.primary, f.targets.fallback]);

    // The inputs swap their models: each model keeps its own target row (and with it its circuit), no unique clash.
    await db.routeTarget.update({ where: { id: f.targets.primary }, data: { circuitOverride: "forced_open" } });
    const swapped = await dataOf(
      await patchRoute(f.t, token, f.routeId, {
        targets: [targetRow(f.models.b, { id: f.targets.primary, position: 0 }), targetRow(f.models.a, { id: f.targets.fallback, position: 1 })],
      }),
      Route,
    );
    expect(swapped.targets.map((t) => [t.position, t.model.id, t.id, t.circuitOverride])).toEqual([
      [0, f.models.b, f.targets.fallback, "none"],
      [1, f.models.a, f.targets.primary, "forced_open"],
    ]);

    // The database itself refuses a model twice in one route.
    await expect(
      db.routeTarget.create({ data: { id: newId("routeTarget"), tenantId: f.t.id, routeId: f.routeId, modelId: f.models.a, position: 5 } }),
    ).rejects.toThrow();
  });

  it("clears the static fallback with null and leaves the chain alone when targets are omitted", async () => {
    const f = await fixture();
    const token = await tokenFor(f.t, "admin");
    await dataOf(await patchRoute(f.t, token, f.routeId, { staticFallback: { content: "x" } }), Route);
    const route = await dataOf(await patchRoute(f.t, token, f.routeId, { staticFallback: null }), Route);
    expect(route.staticFallback).toBeNull();
    expect(route.targets.map((t) => t.id)).toEqual([f.targets.primary, f.targets.fallback]);
    expect((await db.route.findUniqueOrThrow({ where: { id: f.routeId } })).staticFallback).toBeNull();
  });

  it("a change that changes nothing writes no audit row and announces nothing", async () => {
    const f = await fixture();
    const g = await fixture();
    const token = await tokenFor(f.t, "owner");
    const same = await patchRoute(f.t, token, f.routeId, { totalTimeoutMs: 60_000, targets: [{ id: f.targets.primary, modelId: f.models.a, timeoutMs: 10_000 }, { id: f.targets.fallback, modelId: f.models.b, timeoutMs: 15_000 }] });
    expect(same.status).toBe(200);
    expect(await db.auditLog.count({ where: { tenantId: f.t.id } })).toBe(0);
    // A later real change on another route is announced; nothing for f's route came before it.
    await dataOf(await patchRoute(g.t, await tokenFor(g.t, "owner"), g.routeId, { description: "real change" }), Route);
    await announced(g.routeId);
    expect(messages.filter((m) => m.id === f.routeId)).toEqual([]);
  });

  it("refuses bad chains with 400 naming the field, and changes nothing", async () => {
    const f = await fixture();
    const other = await fixture();
    const token = await tokenFor(f.t, "owner");
    const cases: Array<[unknown, string]> = [
      [{ targets: [] }, "targets"],
      [{ targets: [targetRow("mdl_doesnotexist")] }, "targets.0.modelId"],
      [{ targets: [targetRow(f.models.a), targetRow(other.models.a)] }, "targets.1.modelId"], // another tenant's model
      [{ targets: [targetRow(f.models.a), targetRow(f.models.a)] }, "targets.1.modelId"], // twice
      [{ targets: [targetRow(f.models.a, { id: other.targets.primary })] }, "targets.0.id"], // another route's target
      [{ targets: [targetRow(f.models.a, { timeoutMs: 90_000 })] }, "targets.0.timeoutMs"], // above the 60 s total
      [{ targets: [targetRow(f.models.a, { maxRetries: -1 })] }, "targets.0.maxRetries"],
      [{ targets: [targetRow(f.models.a, { position: 0 }), targetRow(f.models.b)] }, "targets.1.position"], // positions for all or none
      [{ targets: [targetRow(f.models.a, { position: 1 }), targetRow(f.models.b, { position: 0 })] }, "targets.1.position"], // the array is the chain's order
      [{ targets: [targetRow(f.models.a, { position: -1 })] }, "targets.0.position"],
      [{ totalTimeoutMs: 12_000 }, "totalTimeoutMs"], // below the fallback's 15 s
      [{ staticFallback: { content: "  " } }, "staticFallback.content"],
    ];
    for (const [body, param] of cases) {
      const res = await patchRoute(f.t, token, f.routeId, body);
      const json = (await res.json()) as { error: { param: string | null; code: string } };
      expect([res.status, json.error.param], JSON.stringify(body)).toEqual([400, param]);
    }
    const rows = await db.routeTarget.findMany({ where: { routeId: f.routeId }, orderBy: { position: "asc" } });
    expect(rows.map((r) => r.id)).toEqual([f.targets.primary, f.targets.fallback]);
    expect(await db.auditLog.count({ where: { tenantId: f.t.id } })).toBe(0);
  });

  it("only roles with routes:write may edit (support and viewer get 403, nothing changes)", async () => {
    const f = await fixture();
    for (const role of ["support", "viewer"] as const) {
      const res = await patchRoute(f.t, await tokenFor(f.t, role), f.routeId, { description: "nope" });
      expect(res.status).toBe(403);
    }
    const read = await routeById.GET(adminRequest(`${base(f.t)}/routes/${f.routeId}`, { token: await tokenFor(f.t, "viewer") }), routeParams({ tenant: f.t.slug, id: f.routeId }));
    expect((await dataOf(read, Route)).description).toBe("");
    expect(await db.auditLog.count({ where: { tenantId: f.t.id } })).toBe(0);
  });
});

describe("circuit overrides", () => {
  it("force open, force closed and clear: persisted, audited with their own actions, announced", async () => {
    const f = await fixture();
    const token = await tokenFor(f.t, "admin");
    const opened = await dataOf(await patchTarget(f.t, token, f.targets.primary, { circuitOverride: "forced_open" }), RouteTarget);
    expect(opened).toMatchObject({ id: f.targets.primary, routeId: f.routeId, circuitOverride: "forced_open" });
    expect((await db.routeTarget.findUniqueOrThrow({ where: { id: f.targets.primary } })).circuitOverride).toBe("forced_open");
    await announced(f.routeId);

    await dataOf(await patchTarget(f.t, token, f.targets.primary, { circuitOverride: "forced_closed" }), RouteTarget);
    await dataOf(await patchTarget(f.t, token, f.targets.primary, { circuitOverride: "forced_closed" }), RouteTarget); // no-op
    await dataOf(await patchTarget(f.t, token, f.targets.primary, { circuitOverride: "none" }), RouteTarget);
    await dataOf(await patchTarget(f.t, token, f.targets.fallback, { enabled: false }), RouteTarget);

    const audit = await db.auditLog.findMany({ where: { tenantId: f.t.id }, orderBy: { createdAt: "asc" } });
    expect(audit.map((a) => [a.action, a.resourceId])).toEqual([
      ["route_target:force_open", f.targets.primary],
      ["route_target:force_closed", f.targets.primary],
      ["route_target:clear_override", f.targets.primary],
      ["route_target:update", f.targets.fallback],
    ]);
    expect(audit[0]?.before).toMatchObject({ circuitOverride: "none", target: `${f.providerName}/model-a` });
    expect(audit[0]?.after).toMatchObject({ circuitOverride: "forced_open" });
    expect((await db.routeTarget.findUniqueOrThrow({ where: { id: f.targets.fallback } })).enabled).toBe(false);
  });

  it("refuses roles without routes:write and bad overrides", async () => {
    const f = await fixture();
    for (const role of ["support", "viewer"] as const) {
      expect((await patchTarget(f.t, await tokenFor(f.t, role), f.targets.primary, { circuitOverride: "forced_open" })).status).toBe(403);
    }
    const bad = await patchTarget(f.t, await tokenFor(f.t, "owner"), f.targets.primary, { circuitOverride: "open" });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { param: string } }).error.param).toBe("circuitOverride");
    expect((await db.routeTarget.findUniqueOrThrow({ where: { id: f.targets.primary } })).circuitOverride).toBe("none");
    expect(await db.auditLog.count({ where: { tenantId: f.t.id } })).toBe(0);
  });
});

describe("live health", () => {
  it("shows the breaker's state from Redis, the override on top, and the error rate of the last 15 minutes", async () => {
    const f = await fixture();
    const token = await tokenFor(f.t, "viewer");
    const breaker = new CircuitBreaker({ redis: getRedis(), localCacheMs: 0 });
    const now = Date.now();
    for (let i = 0; i < 3; i++) await breaker.recordFailure(f.targets.fallback, { failureThreshold: 3, cooldownMs: 60_000 }, false, now);
    await db.routeTarget.update({ where: { id: f.targets.primary }, data: { circuitOverride: "forced_open" } });

    const primary = `${f.providerName}/model-a`;
    const fallback = `${f.providerName}/model-b`;
    const log = (minutesAgo: number, attempts: unknown[], tenantId = f.t.id) =>
      db.requestLog.create({
        data: { id: newId("request"), tenantId, createdAt: new Date(now - minutesAgo * 60_000), endpoint: "chat.completions", model: "m", status: "ok", httpStatus: 200, request: {}, attempts: attempts as object[] },
      });
    await log(1, [{ target: primary, status: "error", errorClass: "server_error", latencyMs: 5 }, { target: fallback, status: "ok", latencyMs: 10 }]);
    await log(2, [{ target: primary, status: "timeout", latencyMs: 5 }, { target: fallback, status: "error", latencyMs: 10 }]);
    await log(3, [{ target: primary, status: "ok", latencyMs: 5 }]);
    await log(4, [{ target: primary, status: "skipped", latencyMs: 0 }, { target: fallback, targetId: f.targets.fallback, status: "ok", latencyMs: 9 }]);
    await log(30, [{ target: primary, status: "error", latencyMs: 5 }]); // outside the window
    const other = await fixture();
    await log(1, [{ target: primary, status: "error", latencyMs: 5 }], other.t.id); // another tenant, same label

    const h = await getHealth(f.t, token);
    const p = h.targets.find((x) => x.targetId === f.targets.primary);
    const b = h.targets.find((x) => x.targetId === f.targets.fallback);
    expect(h.windowMinutes).toBe(15);
    expect(h.sampledRequests).toBe(4);
    expect(p).toMatchObject({ target: primary, circuitOverride: "forced_open", effectiveState: "forced_open", circuit: { state: "closed", failures: 0 } });
    // error + timeout of 3 counted attempts (the skipped one does not count)
    expect(p?.recent).toEqual({ attempts: 3, failures: 2, errorRate: 2 / 3 });
    expect(b).toMatchObject({ effectiveState: "open", circuit: { state: "open", failures: 3 } });
    expect(b?.circuit?.openUntil).toBe(new Date(now + 60_000).toISOString());
    expect(b?.recent).toEqual({ attempts: 3, failures: 1, errorRate: 1 / 3 });
    expect(h.targets.every((x) => [f.targets.primary, f.targets.fallback].includes(x.targetId))).toBe(true);
  });

  it("reset-circuit closes the breaker in Redis, audited; refused to support", async () => {
    const f = await fixture();
    const breaker = new CircuitBreaker({ redis: getRedis(), localCacheMs: 0 });
    for (let i = 0; i < 2; i++) await breaker.recordFailure(f.targets.primary, { failureThreshold: 2, cooldownMs: 60_000 }, false);
    expect((await breaker.getStates([f.targets.primary]))[0]?.state).toBe("open");

    const call = async (role: TenantRole) =>
      resetCircuit.POST(adminRequest(`${base(f.t)}/route-targets/${f.targets.primary}/reset-circuit`, { method: "POST", token: await tokenFor(f.t, role) }), routeParams({ tenant: f.t.slug, id: f.targets.primary }));
    expect((await call("support")).status).toBe(403);
    expect((await breaker.getStates([f.targets.primary]))[0]?.state).toBe("open");
    const res = await call("developer");
    expect(res.status).toBe(200);
    expect((await breaker.getStates([f.targets.primary]))[0]).toMatchObject({ state: "closed", failures: 0 });
    const audit = await db.auditLog.findMany({ where: { tenantId: f.t.id } });
    expect(audit.map((a) => a.action)).toEqual(["route_target:circuit_reset"]);
    expect(audit[0]?.before).toMatchObject({ state: "open", failures: 2 });
  });
});

describe("tenant isolation of the route endpoints", () => {
  it("B can neither read, edit, override nor reset A's routes and targets (404), and sees none of them", async () => {
    const a = await fixture();
    const b = await fixture();
    const token = await tokenFor(b.t, "owner");
    const breaker = new CircuitBreaker({ redis: getRedis(), localCacheMs: 0 });
    for (let i = 0; i < 2; i++) await breaker.recordFailure(a.targets.primary, { failureThreshold: 2, cooldownMs: 60_000 }, false);
    const before = JSON.stringify(await db.route.findUniqueOrThrow({ where: { id: a.routeId }, include: { targets: true } }));

    const get = await routeById.GET(adminRequest(`${base(b.t)}/routes/${a.routeId}`, { token }), routeParams({ tenant: b.t.slug, id: a.routeId }));
    expect(get.status).toBe(404);
    expect((await patchRoute(b.t, token, a.routeId, { description: "mine" })).status).toBe(404);
    expect((await patchRoute(b.t, token, b.routeId, { targets: [targetRow(a.models.a)] })).status).toBe(400); // A's model in B's route
    expect((await patchRoute(b.t, token, b.routeId, { targets: [targetRow(b.models.a, { id: a.targets.primary })] })).status).toBe(400);
    expect((await patchTarget(b.t, token, a.targets.primary, { circuitOverride: "forced_open" })).status).toBe(404);
    const reset = await resetCircuit.POST(
      adminRequest(`${base(b.t)}/route-targets/${a.targets.primary}/reset-circuit`, { method: "POST", token }),
      routeParams({ tenant: b.t.slug, id: a.targets.primary }),
    );
    expect(reset.status).toBe(404);
    // B's token cannot name A in the URL either.
    expect((await patchTarget(a.t, token, a.targets.primary, { circuitOverride: "forced_open" })).status).toBe(404);

    const h = await getHealth(b.t, token);
    expect(h.targets.map((x) => x.targetId).sort()).toEqual([b.targets.primary, b.targets.fallback].sort());
    expect(JSON.stringify(h)).not.toContain(a.routeId);

    expect(JSON.stringify(await db.route.findUniqueOrThrow({ where: { id: a.routeId }, include: { targets: true } }))).toBe(before);
    expect((await breaker.getStates([a.targets.primary]))[0]?.state).toBe("open");
    expect(await db.auditLog.count({ where: { tenantId: a.t.id } })).toBe(0);
  });
});
