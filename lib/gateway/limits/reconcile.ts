import type { Redis } from "ioredis";
import type { Db } from "@/lib/db";
import { budgetCounterKey, part, periodOf, type Period } from "@/lib/gateway/limits/plan";
import { loggedSpend } from "@/lib/gateway/limits/seed";
import { raiseCounter } from "@/lib/gateway/limits/store";
import { log } from "@/lib/log";

/**
 * The worker's periodic reconciliation of budget counters with the request
 * log (queue `budget-counters`, workers/budget-counters.ts). For every
 * enabled budget's counters of the current period that Redis holds, the
 * log's sum for that subject and period is compared with the counter's
 * spent; a counter below the log is raised to it (never lowered: a counter
 * above the log is normal, its newest requests are still on their way to
 * Postgres). This closes the gap a seed can leave (spend settled in Redis
 * whose log rows were not yet written when Redis lost the counter) and any
 * partial loss (a failover that dropped recent writes). Unseeded counters
 * are left alone: the next request seeds them.
 *
 * Cost: one indexed SUM per counter, so per-subject budgets (each key /
 * end-user / feature) are bounded by MAX_COUNTERS_PER_BUDGET per run.
 */

const MAX_COUNTERS_PER_BUDGET = 1_000;

export interface ReconcileStats {
  budgets: number;
  counters: number;
  raised: number;
  raisedMicros: bigint;
}

interface Counter {
  key: string;
  subject: string;
}

async function countersOf(redis: Redis, b: { id: string; tenantId: string; scope: string; featureId: string | null; apiKeyId: string | null; endUserId: string | null }, period: Period): Promise<Counter[]> {
  const single =
    b.scope === "tenant" ? "-" : b.scope === "feature" ? b.featureId : b.scope === "api_key" ? b.apiKeyId : b.scope === "end_user" && b.endUserId ? part(b.endUserId) : null;
  if (single !== null) return [{ key: budgetCounterKey(b, period.key, single), subject: b.scope === "end_user" && b.endUserId ? b.endUserId : single }];
  const prefix = budgetCounterKey(b, period.key, "");
  const out: Counter[] = [];
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix.replace(/[*?[\]\\]/g, "\\$&")}*`, "COUNT", 1000);
    for (const k of keys) if (!k.endsWith(":l")) out.push({ key: k, subject: k.slice(prefix.length) });
    cursor = next;
  } while (cursor !== "0" && out.length < MAX_COUNTERS_PER_BUDGET);
  return out.slice(0, MAX_COUNTERS_PER_BUDGET);
}

export async function reconcileBudgetCounters(db: Db, redis: Redis, at = new Date()): Promise<ReconcileStats> {
  const budgets = await db.budget.findMany({
    where: { enabled: true },
    select: { id: true, tenantId: true, scope: true, featureId: true, apiKeyId: true, endUserId: true, period: true, createdAt: true },
  });
  const stats: ReconcileStats = { budgets: budgets.length, counters: 0, raised: 0, raisedMicros: 0n };
  for (const b of budgets) {
    const period = periodOf(b.period, at, b.createdAt);
    for (const c of await countersOf(redis, b, period)) {
      stats.counters++;
      // An end-user id is stored in keys sanitised (part()): the log is matched on the original only for a named end-user.
      const logged = await loggedSpend(db, b, c.subject, period);
      const added = await raiseCounter(redis, c.key, logged);
      if (added !== null && added > 0n) {
        stats.raised++;
        stats.raisedMicros += added;
        log("warn", "budget.counter_raised", { budgetId: b.id, period: period.key, addedMicros: added.toString(), loggedMicros: logged.toString() });
      }
    }
  }
  return stats;
}
