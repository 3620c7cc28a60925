import type { Redis } from "ioredis";
import { db as defaultDb, type Db } from "@/lib/db";
import type { BudgetEntry } from "@/lib/gateway/config/types";
import type { BudgetCounter, Period } from "@/lib/gateway/limits/plan";
import { seedCounter } from "@/lib/gateway/limits/store";
import { log } from "@/lib/log";

/**
 * Rebuilding a budget counter Redis does not have (a new period, a new
 * subject, or Redis restarted without persistence): its spent is set from
 * the request log, `SUM(cost_micros)` of the budget's subject over the
 * period, with one indexed query. This is the only Postgres read of the data
 * plane and it is rare: once per counter per period per Redis lifetime, and
 * single-flight (concurrent requests of this process wait on the same
 * query; another instance seeding at the same time is harmless: the seed
 * script only writes when the counter is still unseeded).
 *
 * What it can miss: spend settled in Redis whose request-log rows were still
 * on their way (queue, spool) when Redis lost the counter. The worker's
 * reconciliation (workers/budget-counters.ts) raises counters to the log's
 * sum once those rows land, so that gap closes within its interval.
 */

/** The request log's spend of `budget`'s `subject` over `period` (micro-dollars). */
export async function loggedSpend(database: Db, budget: Pick<BudgetEntry, "tenantId" | "scope">, subject: string, period: Period): Promise<bigint> {
  const end = period.end ?? new Date("9999-12-31T00:00:00Z");
  const params: unknown[] = [budget.tenantId, period.start, end];
  let filter = "";
  if (budget.scope === "feature" || budget.scope === "tenant_feature") filter = " AND feature_id = $4";
  else if (budget.scope === "api_key") filter = " AND api_key_id = $4";
  else if (budget.scope === "end_user") filter = " AND end_user_id = $4";
  if (filter) params.push(subject);
  const rows = await database.$queryRawUnsafe<Array<{ spent: bigint | string | null }>>(
    `SELECT COALESCE(SUM(cost_micros), 0)::bigint AS spent FROM request_logs WHERE tenant_id = $1 AND created_at >= $2 AND created_at < $3${filter}`,
    ...params,
  );
  return BigInt(rows[0]?.spent ?? 0);
}

const inFlight = new Map<string, Promise<void>>();

/** Seeds each counter once (per process at a time); resolves when all are seeded (by us or another instance). */
export function seedCounters(redis: Redis, counters: readonly BudgetCounter[], database: Db = defaultDb): Promise<void> {
  return Promise.all(counters.map((c) => seedOne(redis, c, database))).then(() => undefined);
}

function seedOne(redis: Redis, counter: BudgetCounter, database: Db): Promise<void> {
  let p = inFlight.get(counter.key);
  if (!p) {
    p = (async () => {
      const t0 = performance.now();
      const spent = await loggedSpend(database, counter.budget, counter.subject, counter.period);
      const seeded = await seedCounter(redis, counter, spent);
      log("info", "budget.counter_seeded", {
        budgetId: counter.budget.id,
        period: counter.period.key,
        spentMicros: spent.toString(),
        byThisInstance: seeded,
        ms: Math.round(performance.now() - t0),
      });
    })().finally(() => inFlight.delete(counter.key));
    inFlight.set(counter.key, p);
  }
  return p;
}
