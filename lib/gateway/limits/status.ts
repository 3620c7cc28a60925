import type { Redis } from "ioredis";
import type { BudgetCounterReader } from "@/lib/budgets/service";
import type { BudgetStatus } from "@/lib/budgets/schema";
import { budgetCounterKey, part, periodOf } from "@/lib/gateway/limits/plan";
import { readCounters } from "@/lib/gateway/limits/store";

/**
 * The dashboard's live view of budget counters (GET .../budgets/status):
 * spent and reserved this period, straight from Redis. A budget with one
 * subject (the tenant, one feature, one key, one end-user) is one HMGET; a
 * budget kept per key / end-user / feature lists its counters with a bounded
 * SCAN of its own key prefix (at most MAX_SCAN_CALLS calls; the biggest
 * spenders first, at most MAX_LISTED). All reads in one pipeline per step.
 */

const MAX_LISTED = 20;
const MAX_SCAN_CALLS = 20;

interface Row {
  id: string;
  tenantId: string;
  scope: "tenant" | "feature" | "api_key" | "end_user" | "tenant_feature";
  featureId: string | null;
  apiKeyId: string | null;
  endUserId: string | null;
  period: "day" | "month" | "total";
  limitMicros: bigint;
  createdAt: Date;
}

/** The single subject of a budget, or null when it is kept per key / end-user / feature. */
function singleSubject(b: Row): string | null {
  if (b.scope === "tenant") return "-";
  if (b.scope === "feature") return b.featureId;
  if (b.scope === "api_key") return b.apiKeyId;
  if (b.scope === "end_user") return b.endUserId ? part(b.endUserId) : null;
  return null;
}

async function scanKeys(redis: Redis, pattern: string): Promise<{ keys: string[]; complete: boolean }> {
  const keys: string[] = [];
  let cursor = "0";
  for (let i = 0; i < MAX_SCAN_CALLS; i++) {
    const [next, batch] = await redis.scan(cursor, "MATCH", pattern, "COUNT", 1000);
    for (const k of batch) if (!k.endsWith(":l")) keys.push(k);
    cursor = next;
    if (cursor === "0") return { keys, complete: true };
  }
  return { keys, complete: false };
}

export function budgetCounterReader(redis: Redis): BudgetCounterReader {
  return {
    async read(rows, at) {
      const out: BudgetStatus[] = [];
      for (const b of rows as readonly Row[]) {
        const period = periodOf(b.period, at, b.createdAt);
        const single = singleSubject(b);
        let subjects: Array<{ subject: string; key: string }>;
        let truncated = false;
        if (single !== null) {
          subjects = [{ subject: single, key: budgetCounterKey(b, period.key, single) }];
        } else {
          const prefix = budgetCounterKey(b, period.key, "");
          const found = await scanKeys(redis, `${prefix.replace(/[*?[\]\\]/g, "\\$&")}*`);
          subjects = found.keys.map((key) => ({ subject: key.slice(prefix.length), key }));
          truncated = !found.complete;
        }
        const values = await readCounters(
          redis,
          subjects.map((s) => s.key),
        );
        let counters = subjects.map((s, i) => {
          const v = values[i];
          return { subject: s.subject, spentMicros: (v?.spentMicros ?? 0n).toString(), reservedMicros: (v?.reservedMicros ?? 0n).toString(), seeded: v?.seeded ?? false };
        });
        if (single === null) {
          counters.sort((x, y) => (BigInt(y.spentMicros) > BigInt(x.spentMicros) ? 1 : BigInt(y.spentMicros) < BigInt(x.spentMicros) ? -1 : 0));
          if (counters.length > MAX_LISTED) {
            counters = counters.slice(0, MAX_LISTED);
            truncated = true;
          }
        }
        out.push({
          budgetId: b.id,
          periodKey: period.key,
          periodStart: period.start.toISOString(),
          periodEnd: period.end ? period.end.toISOString() : null,
          limitMicros: b.limitMicros.toString(),
          counters,
          truncated,
        });
      }
      return out;
    },
  };
}
