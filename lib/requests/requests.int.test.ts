/**
 * The Requests page's API: keyset paging that never skips or repeats a row
 * (ties on created_at, rows across monthly partitions, with filters), the
 * request detail support reads, tenant isolation by id, and the seeder that
 * fills a log for load tests (scripts/seed-request-logs.ts).
 */
import { afterAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { db, disconnectDb } from "@/lib/db";
import { disconnectRedis } from "@/lib/redis";
import { newId } from "@/lib/ids";
import { ContextDocument, RequestAttempt, RequestLogDetail, RequestLogSummary } from "@/lib/requests/schema";
import { listRequests } from "@/lib/requests/service";
import { adminRequest, createAdminToken, createTenant, ctxFor, routeParams, type TestTenant } from "@/lib/testing/factories";
import { seedRequestLogs } from "@/scripts/seed-request-logs";
import * as listRoute from "@/app/api/admin/tenants/[tenant]/requests/route";
import * as detailRoute from "@/app/api/admin/tenants/[tenant]/requests/[id]/route";

afterAll(async () => {
  await disconnectRedis();
  await disconnectDb();
});

const Page = z.object({ data: z.array(RequestLogSummary), nextCursor: z.string().nullable() });
const DAY = 86_400_000;

async function logRow(t: TestTenant, at: Date, extra: Partial<{ status: "ok" | "fallback" | "error" | "blocked"; endUserId: string; model: string }> = {}) {
  return db.requestLog.create({
    data: {
      id: newId("request", at.getTime()),
      tenantId: t.id,
      createdAt: at,
      endpoint: "chat.completions",
      model: extra.model ?? "support-reply",
      status: extra.status ?? "ok",
      httpStatus: extra.status === "error" ? 502 : 200,
      endUserId: extra.endUserId ?? null,
      request: { messages: [] },
    },
    select: { id: true, createdAt: true, status: true },
  });
}

/** Walks every page of `qs` with `limit`, through the real route handler. */
async function walk(t: TestTenant, token: string, qs: string, limit: number): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | null = null;
  for (let pages = 0; pages < 100; pages++) {
    const url = `/api/admin/tenants/${t.slug}/requests?limit=${limit}${qs}${cursor ? `&cursor=${cursor}` : ""}`;
    const res = await listRoute.GET(adminRequest(url, { token }), routeParams({ tenant: t.slug }));
    const text = await res.text();
    expect(res.status, text).toBe(200);
    const page = Page.parse(JSON.parse(text));
    ids.push(...page.data.map((r) => r.id));
    cursor = page.nextCursor;
    if (!cursor) return ids;
  }
  throw new Error("more than 100 pages");
}

describe("request log paging", () => {
  it("walks every row once, newest first, across equal timestamps and months, with and without filters", async () => {
    const t = await createTenant();
    const token = (await createAdminToken({ tenant: t, role: "support" })).secret;
    const now = Date.now();
    const tie = new Date(now - 2 * DAY);
    const rows = [
      await logRow(t, new Date(now - 1000)),
      await logRow(t, tie, { status: "error" }),
      await logRow(t, tie),
      await logRow(t, tie, { status: "error" }),
      await logRow(t, tie),
      await logRow(t, new Date(now - 45 * DAY), { status: "error" }), // last month's partition (or the default one)
      await logRow(t, new Date(now - 45 * DAY - 1)),
    ];
    const other = await createTenant();
    await logRow(other, new Date(now - 500));
    const order = (rs: typeof rows) =>
      [...rs].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0)).map((r) => r.id);

    for (const limit of [1, 2, 3, 50]) expect(await walk(t, token, "", limit)).toEqual(order(rows));
    expect(await walk(t, token, "&status=error", 1)).toEqual(order(rows.filter((r) => r.status === "error")));
    const from = new Date(now - 3 * DAY).toISOString();
    const to = new Date(now - DAY).toISOString();
    expect(await walk(t, token, `&from=${from}&to=${to}`, 2)).toEqual(order(rows.filter((r) => r.createdAt.getTime() === tie.getTime())));
  });

  it("rejects a forged cursor and bad filters with 400 naming the field", async () => {
    const t = await createTenant();
    const token = (await createAdminToken({ tenant: t, role: "viewer" })).secret;
    for (const [qs, param] of [
      ["?cursor=bm9wZQ", "cursor"],
      ["?status=weird", "status"],
      ["?from=yesterday", "from"],
      ["?limit=1000", "limit"],
    ] as const) {
      const res = await listRoute.GET(adminRequest(`/api/admin/tenants/${t.slug}/requests${qs}`, { token }), routeParams({ tenant: t.slug }));
      expect(res.status, qs).toBe(400);
      expect(((await res.json()) as { error: { param: string } }).error.param).toBe(param);
    }
  });
});

describe("request detail", () => {
  it("returns attempts, context documents, prompt, response, tokens, cost and feedback; B gets 404 for A's id", async () => {
    const a = await createTenant();
    const b = await createTenant();
    const id = newId("request");
    await db.requestLog.create({
      data: {
        id,
        tenantId: a.id,
        endpoint: "chat.completions",
        model: "support-reply",
        servedBy: "sim-anthropic/sim-fallback",
        status: "fallback",
        httpStatus: 200,
        fallbackReason: "primary_server_error",
        request: { messages: [{ role: "user", content: "Can I get a refund?" }] },
        response: { choices: [{ index: 0, message: { role: "assistant", content: "Yes." }, finish_reason: "stop" }] },
        contextDocs: [{ id: "kb-1", source: "kb/refunds.md", text: "Refunds within 14 days.", score: 0.91 }],
        attempts: [
          { target: "sim-openai/sim-primary", status: "error", httpStatus: 503, errorClass: "server_error", latencyMs: 40, ttftMs: null },
          { target: "sim-anthropic/sim-fallback", status: "ok", httpStatus: 200, errorClass: null, latencyMs: 300, ttftMs: 90 },
        ],
        promptTokens: 12,
        completionTokens: 3,
        costMicros: 2_500_000n,
      },
    });
    await db.feedback.create({ data: { id: newId("feedback"), tenantId: a.id, requestId: id, score: -1, comment: "wrong" } });

    const tokenA = (await createAdminToken({ tenant: a, role: "support" })).secret;
    const res = await detailRoute.GET(adminRequest(`/api/admin/tenants/${a.slug}/requests/${id}`, { token: tokenA }), routeParams({ tenant: a.slug, id }));
    expect(res.status).toBe(200);
    const detail = RequestLogDetail.parse(((await res.json()) as { data: unknown }).data);
    expect(detail.costMicros).toBe("2500000");
    expect(detail.attempts.map((x) => RequestAttempt.parse(x).status)).toEqual(["error", "ok"]);
    expect(ContextDocument.parse(detail.contextDocs[0])).toMatchObject({ source: "kb/refunds.md", score: 0.91 });
    expect(detail.feedback).toMatchObject([{ score: -1, comment: "wrong", resolvedAt: null }]);

    const tokenB = (await createAdminToken({ tenant: b, role: "owner" })).secret;
    const denied = await detailRoute.GET(adminRequest(`/api/admin/tenants/${b.slug}/requests/${id}`, { token: tokenB }), routeParams({ tenant: b.slug, id }));
    expect(denied.status).toBe(404);
    expect(await denied.text()).not.toContain("refund");
  });
});

describe("scripts/seed-request-logs.ts", () => {
  it("writes realistic rows over several months, with feedback, that the page reads", async () => {
    const t = await createTenant();
    const result = await seedRequestLogs({ databaseUrl: process.env.DATABASE_URL ?? "", tenant: t.slug, rows: 3_000, days: 60, batch: 700, feedbackRate: 0.2 });
    expect(result.rows).toBe(3_000);
    expect(await db.requestLog.count({ where: { tenantId: t.id } })).toBe(3_000);

    const groups = await db.$queryRaw<Array<{ statuses: number; models: number; features: number; users: number; months: number; bad_ids: number; oldest: Date; newest: Date }>>`
      SELECT count(DISTINCT status)::int AS statuses, count(DISTINCT model)::int AS models, count(DISTINCT feature_id)::int AS features,
             count(DISTINCT end_user_id)::int AS users, count(DISTINCT tableoid)::int AS months,
             count(*) FILTER (WHERE id !~ '^req_[0-9a-z]{26}$')::int AS bad_ids, min(created_at) AS oldest, max(created_at) AS newest
      FROM request_logs WHERE tenant_id = ${t.id}`;
    const g = groups[0];
    expect(g).toMatchObject({ statuses: 4, models: 5, features: 5, bad_ids: 0 });
    expect(g?.users).toBeGreaterThan(500);
    expect(g?.months).toBeGreaterThanOrEqual(2); // 60 days span at least two monthly partitions
    expect((g?.newest.getTime() ?? 0) - (g?.oldest.getTime() ?? 0)).toBeGreaterThan(55 * DAY);

    const page = await listRequests(ctxFor(t, "support"), { limit: 50 });
    expect(page.data).toHaveLength(50);
    const withContext = await db.requestLog.findFirstOrThrow({ where: { tenantId: t.id, status: "fallback", model: "support-reply", NOT: { contextDocs: { equals: [] } } } });
    for (const a of withContext.attempts as unknown[]) RequestAttempt.parse(a);
    for (const d of withContext.contextDocs as unknown[]) ContextDocument.parse(d);

    expect(result.feedback).toBeGreaterThan(0);
    const orphans = await db.$queryRaw<Array<{ n: number }>>`
      SELECT count(*)::int AS n FROM feedback f WHERE f.tenant_id = ${t.id}
        AND NOT EXISTS (SELECT 1 FROM request_logs r WHERE r.tenant_id = f.tenant_id AND r.id = f.request_id)`;
    expect(orphans[0]?.n).toBe(0);
    expect(await db.feedback.count({ where: { tenantId: t.id, score: { lt: 0 } } })).toBeGreaterThan(0);
  });
});
