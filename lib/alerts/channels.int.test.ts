/**
 * Alert channels and the Usage read API through the real route handlers:
 * roles (a viewer reads, cannot write), the audit row of each mutation, the
 * URL never echoed back, the test send reaching a real local receiver, one
 * tenant never seeing another's channels or usage; usage endpoints read the
 * roll-ups and the blocked requests of the request log.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { db, disconnectDb } from "@/lib/db";
import { newId } from "@/lib/ids";
import { disconnectRedis } from "@/lib/redis";
import { adminRequest, createAdminToken, createTenant, routeParams, type TestTenant } from "@/lib/testing/factories";
import { rollUpHours } from "@/lib/usage/aggregate";
import { BlockedUsage, CacheUsage, TopEndUsers, UsageSeries } from "@/lib/usage/schema";
import { AlertChannel, AlertChannelTestResult } from "@/lib/alerts/schema";
import * as channels from "@/app/api/admin/tenants/[tenant]/alert-channels/route";
import * as channel from "@/app/api/admin/tenants/[tenant]/alert-channels/[id]/route";
import * as channelTest from "@/app/api/admin/tenants/[tenant]/alert-channels/[id]/test/route";
import * as series from "@/app/api/admin/tenants/[tenant]/usage/series/route";
import * as endUsers from "@/app/api/admin/tenants/[tenant]/usage/end-users/route";
import * as cacheRoute from "@/app/api/admin/tenants/[tenant]/usage/cache/route";
import * as blockedRoute from "@/app/api/admin/tenants/[tenant]/usage/blocked/route";

let server: Server;
let base = "";
const received: Array<{ path: string; body: Record<string, unknown> }> = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8").on("data", (d: string) => (body += d));
    req.on("end", () => {
      if (req.url?.startsWith("/down")) return void res.writeHead(503).end();
      received.push({ path: req.url ?? "/", body: JSON.parse(body) as Record<string, unknown> });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await disconnectRedis();
  await disconnectDb();
});

const path = (t: TestTenant, rest: string) => `/api/admin/tenants/${t.slug}/${rest}`;

async function json(res: Response): Promise<{ status: number; body: { data?: unknown; error?: { code: string; param: string | null } } }> {
  return { status: res.status, body: (await res.json()) as { data?: unknown; error?: { code: string; param: string | null } } };
}

describe("alert channels API", () => {
  it("adds, tests, lists and removes channels with role checks and audit rows; the URL stays secret", async () => {
    const t = await createTenant();
    const other = await createTenant();
    const admin = await createAdminToken({ tenant: t, role: "admin" });
    const viewer = await createAdminToken({ tenant: t, role: "viewer" });
    const outsider = await createAdminToken({ tenant: other, role: "owner" });
    const secretUrl = `${base}/hooks/T000/B000/very-secret-token-${t.id}`;

    const refused = await json(await channels.POST(adminRequest(path(t, "alert-channels"), { method: "POST", token: viewer.secret, body: { name: "ops", kind: "slack", url: secretUrl } }), routeParams({ tenant: t.slug })));
    expect(refused.status).toBe(403);
    const bad = await json(await channels.POST(adminRequest(path(t, "alert-channels"), { method: "POST", token: admin.secret, body: { name: "ops", kind: "slack", url: "ftp://x" } }), routeParams({ tenant: t.slug })));
    expect(bad.status).toBe(400);
    expect(bad.body.error?.param).toBe("url");

    const created = await json(await channels.POST(adminRequest(path(t, "alert-channels"), { method: "POST", token: admin.secret, body: { name: "ops", kind: "slack", url: secretUrl } }), routeParams({ tenant: t.slug })));
    expect(created.status).toBe(201);
    const ch = AlertChannel.parse(created.body.data);
    expect(JSON.stringify(created.body)).not.toContain("very-secret-token");
    expect(ch.urlPreview).toBe(`${base}/…${t.id.slice(-4)}`);
    const dup = await json(await channels.POST(adminRequest(path(t, "alert-channels"), { method: "POST", token: admin.secret, body: { name: "ops", kind: "webhook", url: secretUrl } }), routeParams({ tenant: t.slug })));
    expect(dup.status).toBe(409);

    // The viewer reads; another tenant's owner sees nothing of it.
    const listed = await json(await channels.GET(adminRequest(path(t, "alert-channels"), { token: viewer.secret }), routeParams({ tenant: t.slug })));
    expect((listed.body.data as unknown[]).map((c) => AlertChannel.parse(c).id)).toEqual([ch.id]);
    const theirs = await json(await channels.GET(adminRequest(path(other, "alert-channels"), { token: outsider.secret }), routeParams({ tenant: other.slug })));
    expect(theirs.body.data).toEqual([]);
    const cross = await json(await channel.DELETE(adminRequest(path(other, `alert-channels/${ch.id}`), { method: "DELETE", token: outsider.secret }), routeParams({ tenant: other.slug, id: ch.id })));
    expect(cross.status).toBe(404);

    // Test send: a real POST in Slack's shape.
    const tested = await json(await channelTest.POST(adminRequest(path(t, `alert-channels/${ch.id}/test`), { method: "POST", token: admin.secret, body: {} }), routeParams({ tenant: t.slug, id: ch.id })));
    expect(AlertChannelTestResult.parse(tested.body.data)).toEqual({ ok: true, status: 204, error: null });
    const got = received.find((r) => r.path === `/hooks/T000/B000/very-secret-token-${t.id}`);
    expect(Object.keys(got?.body ?? {}).sort()).toEqual(["blocks", "text"]);
    expect(got?.body.text).toBe(`[${t.slug}] Test alert from Gatehouse to channel "ops".`);

    // A receiver that fails is reported, not thrown.
    const down = await json(await channel.PATCH(adminRequest(path(t, `alert-channels/${ch.id}`), { method: "PATCH", token: admin.secret, body: { url: `${base}/down` } }), routeParams({ tenant: t.slug, id: ch.id })));
    expect(down.status).toBe(200);
    const failed = await json(await channelTest.POST(adminRequest(path(t, `alert-channels/${ch.id}/test`), { method: "POST", token: admin.secret, body: {} }), routeParams({ tenant: t.slug, id: ch.id })));
    expect(failed.body.data).toEqual({ ok: false, status: 503, error: "receiver answered 503" });

    const removed = await json(await channel.DELETE(adminRequest(path(t, `alert-channels/${ch.id}`), { method: "DELETE", token: admin.secret }), routeParams({ tenant: t.slug, id: ch.id })));
    expect(removed.status).toBe(200);
    expect(await db.alertChannel.count({ where: { tenantId: t.id } })).toBe(0);

    const audit = await db.auditLog.findMany({ where: { tenantId: t.id, resourceType: "alert_channel" }, orderBy: { createdAt: "asc" } });
    expect(audit.map((a) => a.action)).toEqual(["alert_channel:create", "alert_channel:test", "alert_channel:update", "alert_channel:test", "alert_channel:delete"]);
    expect(JSON.stringify(audit)).not.toContain("very-secret-token");
  });
});

describe("usage API", () => {
  it("reads the roll-ups per tenant, feature and model, top end-users, cache savings and blocked requests, scoped to the tenant", async () => {
    const t = await createTenant();
    const other = await createTenant();
    const viewer = await createAdminToken({ tenant: t, role: "viewer" });
    const featureId = newId("feature");
    await db.feature.create({ data: { id: featureId, tenantId: t.id, key: `f-${featureId.slice(-6)}`, name: "Support reply" } });
    const hour = new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000);
    const at = new Date(hour.getTime() + 1_000);
    const row = (o: Record<string, unknown>) => ({
      id: newId("request"), createdAt: at, tenantId: t.id, endpoint: "chat.completions", model: "gpt-4o-mini", status: "ok" as const, httpStatus: 200, request: {}, ...o,
    });
    await db.requestLog.createMany({
      data: [
        row({ featureId, endUserId: "alice", costMicros: 3_000_000n, promptTokens: 100, completionTokens: 20 }),
        row({ featureId, endUserId: "bob", costMicros: 1_000_000n, promptTokens: 10, completionTokens: 2, cache: "hit", metadata: { cache: { savedMicros: 700_000 } } }),
        row({ model: "claude-haiku", endUserId: "alice", costMicros: 500_000n }),
        row({ status: "blocked", httpStatus: 429, errorCode: "budget_exceeded" }),
        row({ status: "fallback", errorCode: "budget_exceeded" }),
        row({ status: "blocked", httpStatus: 429, errorCode: "rate_limit_exceeded" }),
        { ...row({ costMicros: 9_999_000_000n }), tenantId: other.id },
      ],
    });
    await rollUpHours(db, t.id, [hour]);
    await rollUpHours(db, other.id, [hour]);

    const get = async <T>(route: { GET: (req: Request, ctx: { params: Promise<{ tenant: string }> }) => Promise<Response> }, rest: string, schema: { parse: (v: unknown) => T }) => {
      const res = await json(await route.GET(adminRequest(path(t, rest), { token: viewer.secret }), routeParams({ tenant: t.slug })));
      expect(res.status).toBe(200);
      return schema.parse(res.body.data);
    };
    const total = await get(series, "usage/series?granularity=hour", UsageSeries);
    expect(total.points).toEqual([expect.objectContaining({ bucketStart: hour.toISOString(), key: "all", requests: 6, costMicros: "4500000", promptTokens: 110 })]);
    const byFeature = await get(series, "usage/series?granularity=day&groupBy=feature", UsageSeries);
    expect(byFeature.labels).toEqual({ [featureId]: "Support reply" });
    expect(byFeature.points.map((p) => [p.key, p.costMicros]).sort()).toEqual([["(none)", "500000"], [featureId, "4000000"]]);
    const byModel = await get(series, "usage/series?groupBy=model", UsageSeries);
    expect(byModel.points.map((p) => [p.key, p.costMicros]).sort()).toEqual([["claude-haiku", "500000"], ["gpt-4o-mini", "4000000"]]);
    const users = await get(endUsers, "usage/end-users?limit=5", TopEndUsers);
    expect(users.endUsers.map((u) => [u.endUserId, u.costMicros])).toEqual([["alice", "3500000"], ["bob", "1000000"]]);
    const cache = await get(cacheRoute, "usage/cache", CacheUsage);
    expect(cache).toMatchObject({ requests: 6, cacheHits: 1, savedMicros: "700000" });
    expect(cache.hitRate).toBeCloseTo(1 / 6);
    const blocked = await get(blockedRoute, "usage/blocked", BlockedUsage);
    expect(blocked).toMatchObject({ budget: 2, rateLimit: 1, points: [{ bucketStart: hour.toISOString(), budget: 2, rateLimit: 1 }] });

    const tooLong = await json(await series.GET(adminRequest(path(t, "usage/series?granularity=hour&from=2020-01-01T00:00:00Z"), { token: viewer.secret }), routeParams({ tenant: t.slug })));
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.error?.param).toBe("from");
  });
});
