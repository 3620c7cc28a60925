/**
 * The Flagged page's API: only requests a guard flagged, redacted or blocked,
 * newest first, filtered by guard, verdict, feature and time, keyset-paged
 * without skipping or repeating a row (ties on created_at, across monthly
 * partitions), and never another tenant's rows.
 */
import { afterAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { db, disconnectDb } from "@/lib/db";
import type { Prisma } from "@/lib/generated/prisma/client";
import { disconnectRedis } from "@/lib/redis";
import { newId } from "@/lib/ids";
import { FlaggedRequest } from "@/lib/requests/schema";
import { adminRequest, createAdminToken, createFeature, createTenant, routeParams, type TestTenant } from "@/lib/testing/factories";
import * as flaggedRoute from "@/app/api/admin/tenants/[tenant]/flagged/route";

afterAll(async () => {
  await disconnectRedis();
  await disconnectDb();
});

const Page = z.object({ data: z.array(FlaggedRequest), nextCursor: z.string().nullable() });
const DAY = 86_400_000;

type V = { guard: string; verdict: string; score?: number };
const verdict = (v: V) => ({ guard: v.guard, verdict: v.verdict, score: v.score ?? 0.9, spans: [], latencyMs: 0.1, stage: "input" });

async function logRow(t: TestTenant, at: Date, verdicts: V[], extra: { featureId?: string; status?: "ok" | "blocked" } = {}) {
  const row = await db.requestLog.create({
    data: {
      id: newId("request", at.getTime()),
      tenantId: t.id,
      createdAt: at,
      featureId: extra.featureId ?? null,
      endpoint: "chat.completions",
      model: "support-reply",
      status: extra.status ?? "ok",
      httpStatus: extra.status === "blocked" ? 400 : 200,
      request: { messages: [] },
      guardVerdicts: verdicts.map(verdict) as Prisma.InputJsonValue,
    },
    select: { id: true },
  });
  return row.id;
}

async function walk(t: TestTenant, token: string, qs: string, limit: number): Promise<Array<z.infer<typeof FlaggedRequest>>> {
  const rows: Array<z.infer<typeof FlaggedRequest>> = [];
  let cursor: string | null = null;
  for (let pages = 0; pages < 100; pages++) {
    const url = `/api/admin/tenants/${t.slug}/flagged?limit=${limit}${qs}${cursor ? `&cursor=${cursor}` : ""}`;
    const res = await flaggedRoute.GET(adminRequest(url, { token }), routeParams({ tenant: t.slug }));
    const text = await res.text();
    expect(res.status, text).toBe(200);
    const page = Page.parse(JSON.parse(text));
    rows.push(...page.data);
    cursor = page.nextCursor;
    if (!cursor) return rows;
  }
  throw new Error("more than 100 pages");
}

describe("flagged requests", () => {
  it("lists only non-pass guard verdicts, newest first, filtered, paged, tenant-scoped", async () => {
    const t = await createTenant();
    const other = await createTenant();
    const feature = await createFeature(t);
    const { secret } = await createAdminToken({ tenant: t, role: "support" });
    const now = Date.now();
    const pass = [{ guard: "injection", verdict: "pass", score: 0.1 }, { guard: "pii", verdict: "pass", score: 0 }];

    // Not flagged: all pass, no verdicts, a refusal that no guard made (rate limit).
    await logRow(t, new Date(now - 1000), pass);
    await logRow(t, new Date(now - 2000), []);
    await logRow(t, new Date(now - 3000), [], { status: "blocked" });

    const blocked = await logRow(t, new Date(now - 4000), [{ guard: "injection", verdict: "block" }], { status: "blocked", featureId: feature.id });
    const logged = await logRow(t, new Date(now - 5000), [{ guard: "injection", verdict: "flag", score: 0.7 }, { guard: "pii", verdict: "pass" }]);
    const redacted = await logRow(t, new Date(now - 6000), [{ guard: "injection", verdict: "pass" }, { guard: "pii", verdict: "redact", score: 1 }], { featureId: feature.id });
    const moderated = await logRow(t, new Date(now - 40 * DAY), [{ guard: "moderation", verdict: "flag" }]);
    // Same created_at: the keyset must break the tie by id.
    const tieAt = new Date(now - 7000);
    const ties = [
      await logRow(t, tieAt, [{ guard: "pii", verdict: "redact" }]),
      await logRow(t, tieAt, [{ guard: "pii", verdict: "redact" }]),
      await logRow(t, tieAt, [{ guard: "pii", verdict: "redact" }]),
    ].sort().reverse();

    // Another tenant's flagged rows, newer than all of ours.
    await logRow(other, new Date(now), [{ guard: "injection", verdict: "block" }], { status: "blocked" });
    await logRow(other, new Date(now - 4500), [{ guard: "pii", verdict: "redact" }]);

    const all = [blocked, logged, redacted, ...ties, moderated];
    for (const limit of [1, 2, 50]) {
      const rows = await walk(t, secret, "", limit);
      expect(rows.map((r) => r.id)).toEqual(all);
    }
    const first = (await walk(t, secret, "", 50))[0]!;
    expect(first.guardVerdicts).toEqual([expect.objectContaining({ guard: "injection", verdict: "block", score: 0.9 })]);
    expect(first.status).toBe("blocked");

    const ids = async (qs: string) => (await walk(t, secret, qs, 2)).map((r) => r.id);
    expect(await ids("&guard=injection")).toEqual([blocked, logged]);
    expect(await ids("&verdict=block")).toEqual([blocked]);
    expect(await ids("&verdict=redact")).toEqual([redacted, ...ties]);
    expect(await ids("&guard=pii&verdict=redact")).toEqual([redacted, ...ties]);
    expect(await ids("&guard=injection&verdict=redact")).toEqual([]);
    expect(await ids("&guard=moderation")).toEqual([moderated]);
    expect(await ids(`&featureId=${feature.id}`)).toEqual([blocked, redacted]);
    expect(await ids(`&from=${new Date(now - 5500).toISOString()}`)).toEqual([blocked, logged]);
    expect(await ids(`&to=${new Date(now - 10 * DAY).toISOString()}`)).toEqual([moderated]);

    // The other tenant sees only its own two.
    const { secret: otherSecret } = await createAdminToken({ tenant: other, role: "viewer" });
    const theirs = await walk(other, otherSecret, "", 1);
    expect(theirs).toHaveLength(2);
    expect(theirs.map((r) => r.id).some((id) => all.includes(id))).toBe(false);
  });

  it("rejects an unknown guard or verdict with a 400 naming the field, and a viewer of another tenant with 403", async () => {
    const t = await createTenant();
    const other = await createTenant();
    const { secret } = await createAdminToken({ tenant: t, role: "viewer" });
    for (const [qs, param] of [["guard=nope", "guard"], ["verdict=pass", "verdict"]] as const) {
      const res = await flaggedRoute.GET(adminRequest(`/api/admin/tenants/${t.slug}/flagged?${qs}`, { token: secret }), routeParams({ tenant: t.slug }));
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: { param: string } }).error.param).toBe(param);
    }
    const res = await flaggedRoute.GET(adminRequest(`/api/admin/tenants/${other.slug}/flagged`, { token: secret }), routeParams({ tenant: other.slug }));
    expect([403, 404]).toContain(res.status);
  });
});
