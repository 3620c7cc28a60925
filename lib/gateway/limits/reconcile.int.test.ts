/**
 * The worker's reconciliation against the real Postgres and Redis: counters
 * below the request log's sum are raised to it, counters above it are left
 * alone, unseeded ones are left for the next request to seed.
 */
import { afterAll, describe, expect, it } from "vitest";
import { db, disconnectDb } from "@/lib/db";
import type { BudgetEntry } from "@/lib/gateway/config/types";
import { budgetCounter } from "@/lib/gateway/limits/plan";
import { reconcileBudgetCounters } from "@/lib/gateway/limits/reconcile";
import { readCounters, seedCounter } from "@/lib/gateway/limits/store";
import { newId } from "@/lib/ids";
import { disconnectRedis, getRedis } from "@/lib/redis";
import { createApiKey, createTenant } from "@/lib/testing/factories";

afterAll(async () => {
  await disconnectRedis();
  await disconnectDb();
});

async function logRow(tenantId: string, apiKeyId: string, costMicros: bigint, createdAt = new Date()): Promise<void> {
  await db.requestLog.create({
    data: { id: newId("request"), createdAt, tenantId, apiKeyId, endpoint: "chat.completions", model: "m", status: "ok", httpStatus: 200, request: {}, costMicros },
  });
}

describe("reconcileBudgetCounters", () => {
  it("raises counters to the log's sum for the period, never lowers them, leaves unseeded ones", async () => {
    const t = await createTenant();
    const [k1, k2, k3] = [await createApiKey(t), await createApiKey(t), await createApiKey(t)];
    const mk = async (fields: Partial<BudgetEntry> & Pick<BudgetEntry, "scope">): Promise<BudgetEntry> => {
      const id = newId("budget");
      const row = await db.budget.create({
        data: { id, tenantId: t.id, name: id, scope: fields.scope, apiKeyId: fields.apiKeyId ?? null, period: "month", limitMicros: 1_000_000n },
      });
      return { ...row, limitMicros: row.limitMicros, hard: true, alertThresholds: [] };
    };
    const tenantBudget = await mk({ scope: "tenant" });
    const perKey = await mk({ scope: "api_key" });
    await logRow(t.id, k1.id, 300n);
    await logRow(t.id, k2.id, 200n);
    await logRow(t.id, k1.id, 999_999n, new Date(Date.UTC(2000, 0, 1))); // another period: not counted
    const now = new Date();
    const redis = getRedis();
    await seedCounter(redis, budgetCounter(tenantBudget, "-", now), 100n); // lost some: below the log
    await seedCounter(redis, budgetCounter(perKey, k1.id, now), 50n); // below
    await seedCounter(redis, budgetCounter(perKey, k2.id, now), 900n); // above (requests not logged yet): kept
    // k3 has no counter: unseeded, left alone

    const stats = await reconcileBudgetCounters(db, redis, now);
    expect(stats.raised).toBeGreaterThanOrEqual(2);
    const values = await readCounters(redis, [
      budgetCounter(tenantBudget, "-", now).key,
      budgetCounter(perKey, k1.id, now).key,
      budgetCounter(perKey, k2.id, now).key,
      budgetCounter(perKey, k3.id, now).key,
    ]);
    expect(values.map((v) => v?.spentMicros ?? null)).toEqual([500n, 300n, 900n, null]);

    // a second run finds nothing to do for this tenant
    const again = await reconcileBudgetCounters(db, redis, now);
    expect(again.counters).toBeGreaterThanOrEqual(3);
    expect((await readCounters(redis, [budgetCounter(tenantBudget, "-", now).key]))[0]?.spentMicros).toBe(500n);
  });
});
