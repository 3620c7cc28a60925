/**
 * Support's "bad answers" queue through the real route handlers: negative
 * feedback newest first with its request's summary, open/resolved filters,
 * the audited resolve action for roles with feedback:write, and tenant
 * isolation (B can neither list nor resolve A's bad answers).
 */
import { afterAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { db, disconnectDb } from "@/lib/db";
import { disconnectRedis } from "@/lib/redis";
import { newId } from "@/lib/ids";
import { BadAnswer } from "@/lib/feedback/schema";
import type { TenantRole } from "@/lib/authz/permissions";
import { adminRequest, createAdminToken, createTenant, routeParams, type TestTenant } from "@/lib/testing/factories";
import * as list from "@/app/api/admin/tenants/[tenant]/bad-answers/route";
import * as resolve from "@/app/api/admin/tenants/[tenant]/bad-answers/[id]/resolve/route";

afterAll(async () => {
  await disconnectRedis();
  await disconnectDb();
});

const Page = z.object({ data: z.array(BadAnswer), nextCursor: z.string().nullable() });

async function seed(t: TestTenant) {
  const t0 = Date.now() - 60 * 60_000;
  const request = await db.requestLog.create({
    data: {
      id: newId("request", t0),
      tenantId: t.id,
      createdAt: new Date(t0),
      endpoint: "chat.completions",
      model: "support-reply",
      servedBy: "sim-anthropic/sim-fallback",
      status: "fallback",
      httpStatus: 200,
      fallbackReason: "primary_server_error",
      request: { messages: [{ role: "user", content: "refund?" }] },
      costMicros: 1234n,
      latencyMs: 420,
    },
  });
  const fb = (minutes: number, score: number, comment: string, requestId = request.id) =>
    db.feedback.create({ data: { id: newId("feedback"), tenantId: t.id, requestId, score, comment, createdAt: new Date(t0 + minutes * 60_000) } });
  const oldest = await fb(1, -1, "oldest bad");
  await fb(2, 1, "good, not in the queue");
  const pending = await fb(3, -2, "request not logged yet", newId("request"));
  const newest = await fb(4, -1, "newest bad");
  return { request, oldest, pending, newest };
}

const tokens = new Map<string, string>();
async function token(t: TestTenant, role: TenantRole) {
  const k = `${t.id}:${role}`;
  if (!tokens.has(k)) tokens.set(k, (await createAdminToken({ tenant: t, role })).secret);
  return tokens.get(k) ?? "";
}

async function getList(t: TestTenant, role: TenantRole, qs = "") {
  const res = await list.GET(adminRequest(`/api/admin/tenants/${t.slug}/bad-answers${qs}`, { token: await token(t, role) }), routeParams({ tenant: t.slug }));
  const text = await res.text();
  expect(res.status, text).toBe(200);
  return Page.parse(JSON.parse(text));
}

async function postResolve(t: TestTenant, role: TenantRole, id: string) {
  return resolve.POST(
    adminRequest(`/api/admin/tenants/${t.slug}/bad-answers/${id}/resolve`, { method: "POST", token: await token(t, role) }),
    routeParams({ tenant: t.slug, id }),
  );
}

describe("bad answers", () => {
  it("lists negative feedback newest first with the request summary, paged by cursor", async () => {
    const t = await createTenant();
    const s = await seed(t);
    const all = await getList(t, "viewer");
    expect(all.data.map((a) => a.id)).toEqual([s.newest.id, s.pending.id, s.oldest.id]);
    expect(all.data[0]?.request).toMatchObject({ id: s.request.id, status: "fallback", servedBy: "sim-anthropic/sim-fallback", costMicros: "1234", fallbackReason: "primary_server_error" });
    expect(all.data[1]?.request).toBeNull(); // the request log row is not written yet

    const first = await getList(t, "support", "?limit=2");
    expect(first.data.map((a) => a.id)).toEqual([s.newest.id, s.pending.id]);
    expect(first.nextCursor).not.toBeNull();
    const second = await getList(t, "support", `?limit=2&cursor=${first.nextCursor}`);
    expect(second.data.map((a) => a.id)).toEqual([s.oldest.id]);
    expect(second.nextCursor).toBeNull();
  });

  it("support resolves one (audited, once), it leaves the open queue and shows under resolved", async () => {
    const t = await createTenant();
    const s = await seed(t);
    const res = await postResolve(t, "support", s.newest.id);
    expect(res.status).toBe(200);
    const body = BadAnswer.parse(((await res.json()) as { data: unknown }).data);
    expect(body.resolvedAt).not.toBeNull();
    // Resolving twice changes nothing and writes no second audit row.
    expect((await postResolve(t, "owner", s.newest.id)).status).toBe(200);

    const audit = await db.auditLog.findMany({ where: { tenantId: t.id } });
    expect(audit.map((a) => [a.action, a.resourceType, a.resourceId])).toEqual([["feedback:resolve", "feedback", s.newest.id]]);
    expect(audit[0]?.actorType).toBe("admin_token");

    expect((await getList(t, "support", "?resolved=false")).data.map((a) => a.id)).toEqual([s.pending.id, s.oldest.id]);
    expect((await getList(t, "support", "?resolved=true")).data.map((a) => a.id)).toEqual([s.newest.id]);
  });

  it("roles without feedback:write cannot resolve (403), and nothing changes", async () => {
    const t = await createTenant();
    const s = await seed(t);
    for (const role of ["viewer", "developer"] as const) expect((await postResolve(t, role, s.oldest.id)).status).toBe(403);
    expect((await db.feedback.findUniqueOrThrow({ where: { id: s.oldest.id } })).resolvedAt).toBeNull();
    expect(await db.auditLog.count({ where: { tenantId: t.id } })).toBe(0);
    // Positive feedback is not a bad answer.
    const good = await db.feedback.findFirstOrThrow({ where: { tenantId: t.id, score: { gt: 0 } } });
    expect((await postResolve(t, "owner", good.id)).status).toBe(404);
  });

  it("B sees none of A's bad answers and cannot resolve them (404)", async () => {
    const a = await createTenant();
    const b = await createTenant();
    const sa = await seed(a);
    await seed(b);
    const text = JSON.stringify(await getList(b, "owner"));
    for (const id of [sa.newest.id, sa.pending.id, sa.oldest.id, sa.request.id]) expect(text).not.toContain(id);
    const res = await postResolve(b, "owner", sa.newest.id);
    expect(res.status).toBe(404);
    expect((await db.feedback.findUniqueOrThrow({ where: { id: sa.newest.id } })).resolvedAt).toBeNull();
    // B's token cannot name tenant A either.
    const cross = await resolve.POST(
      adminRequest(`/api/admin/tenants/${a.slug}/bad-answers/${sa.newest.id}/resolve`, { method: "POST", token: await token(b, "owner") }),
      routeParams({ tenant: a.slug, id: sa.newest.id }),
    );
    expect(cross.status).toBe(404);
    expect(await db.auditLog.count({ where: { tenantId: a.id } })).toBe(0);
  });

  it("rejects a malformed filter with 400 naming it", async () => {
    const t = await createTenant();
    const res = await list.GET(adminRequest(`/api/admin/tenants/${t.slug}/bad-answers?resolved=maybe`, { token: await token(t, "owner") }), routeParams({ tenant: t.slug }));
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { param: string } }).error.param).toBe("resolved");
  });
});
