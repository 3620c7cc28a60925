import type { Db } from "@/lib/db";
import { newId } from "@/lib/ids";
import { log } from "@/lib/log";
import type { AlertEvent } from "@/lib/alerts/schema";
import { deliveryJobId, type AlertDeliveryJob } from "@/lib/queues/alert-delivery";
import { openIncidentOnce } from "@/lib/incidents/open";
import { dayStart } from "@/lib/usage/aggregate";

/**
 * Budget alerts and budget incidents, checked by the usage-rollup worker
 * after it has rolled a tenant's buckets up (and by the sweep every minute).
 *
 * - Spend of a budget in its current period (UTC day, UTC month, or all
 *   time for `total`) is the sum of the daily roll-ups of its dimension
 *   (tenant: the total row; feature and tenant x feature: the feature's row;
 *   API key; end-user), which are recomputed from `request_logs` just before.
 * - A threshold (budgets.alert_thresholds, percent of the limit) crossed
 *   fires once per period: the `budget_alerts` row (unique on budget,
 *   period start, threshold) is the record; one delivery job per enabled
 *   alert channel carries it, with a fixed job id, enqueued BEFORE the row
 *   is written, so a crash in between re-enqueues the same jobs (sent once)
 *   rather than losing the alert.
 * - Requests refused with `budget_exceeded` since `blockedSince` (status
 *   `blocked`, or `fallback` when a static answer replaced them) open one
 *   incident per budget (signal `budget`, dedupe key `budget:<budget id>`,
 *   from `metadata.budget.id`) while none is open, linked to the tenant's
 *   budget runbook; the channels hear of it. Refusals older than the last
 *   resolution of that incident do not reopen it.
 */

const PERIOD_EPOCH = new Date(0);

export function periodStartOf(period: "day" | "month" | "total", now: Date): Date {
  if (period === "day") return dayStart(now);
  if (period === "month") return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
  return PERIOD_EPOCH;
}

/** Thresholds (percent) reached by `spent` of `limit`, in integer arithmetic. */
export function crossedThresholds(thresholds: readonly number[], spent: bigint, limit: bigint): number[] {
  if (limit <= 0n) return [];
  return [...new Set(thresholds)].filter((t) => t > 0 && spent * 100n >= BigInt(t) * limit).sort((a, b) => a - b);
}

type Enqueue = (jobs: Array<{ jobId: string; data: AlertDeliveryJob }>) => Promise<void>;

export interface BudgetCheckOutcome {
  fired: Array<{ budgetId: string; threshold: number; spentMicros: string }>;
  incidentId: string | null;
  incidentOpened: boolean;
}

interface DimensionFilter {
  featureId: string;
  apiKeyId: string;
  endUserId: string;
}

function dimensionOf(b: { scope: string; featureId: string | null; apiKeyId: string | null; endUserId: string | null }): DimensionFilter | null {
  switch (b.scope) {
    case "tenant":
      return { featureId: "", apiKeyId: "", endUserId: "" };
    case "feature":
    case "tenant_feature":
      return b.featureId ? { featureId: b.featureId, apiKeyId: "", endUserId: "" } : null;
    case "api_key":
      return b.apiKeyId ? { featureId: "", apiKeyId: b.apiKeyId, endUserId: "" } : null;
    case "end_user":
      return b.endUserId ? { featureId: "", apiKeyId: "", endUserId: b.endUserId } : null;
    default:
      return null;
  }
}

async function spentSince(db: Db, tenantId: string, dim: DimensionFilter, from: Date): Promise<bigint> {
  const rows = await db.$queryRawUnsafe<Array<{ spent: bigint | null }>>(
    `SELECT sum(cost_micros)::bigint AS spent FROM usage_rollups
     WHERE tenant_id = $1 AND granularity = 'day' AND bucket_start >= $2
       AND feature_id = $3 AND model = '' AND api_key_id = $4 AND end_user_id = $5`,
    tenantId,
    from,
    dim.featureId,
    dim.apiKeyId,
    dim.endUserId,
  );
  return rows[0]?.spent ?? 0n;
}

async function channelJobs(db: Db, tenantId: string, eventKey: string, event: AlertEvent): Promise<Array<{ jobId: string; data: AlertDeliveryJob }>> {
  const channels = await db.alertChannel.findMany({ where: { tenantId, enabled: true }, select: { id: true } });
  return channels.map((c) => ({ jobId: deliveryJobId(eventKey, c.id), data: { tenantId, channelId: c.id, event } }));
}

export async function checkBudgets(db: Db, tenantId: string, opts: { now?: Date; blockedSince: Date; enqueue: Enqueue }): Promise<BudgetCheckOutcome> {
  const now = opts.now ?? new Date();
  const tenant = await db.tenant.findUnique({ where: { id: tenantId }, select: { slug: true } });
  const outcome: BudgetCheckOutcome = { fired: [], incidentId: null, incidentOpened: false };
  if (!tenant) return outcome;

  const budgets = await db.budget.findMany({ where: { tenantId, enabled: true } });
  for (const b of budgets) {
    const dim = dimensionOf(b);
    if (!dim) continue;
    const periodStart = periodStartOf(b.period, now);
    const spent = await spentSince(db, tenantId, dim, periodStart);
    const crossed = crossedThresholds(b.alertThresholds, spent, b.limitMicros);
    if (crossed.length === 0) continue;
    const done = await db.budgetAlert.findMany({ where: { tenantId, budgetId: b.id, periodStart }, select: { threshold: true } });
    const fired = new Set(done.map((d) => d.threshold));
    for (const threshold of crossed.filter((t) => !fired.has(t))) {
      const event: AlertEvent = {
        kind: "budget_threshold",
        tenantId,
        tenantSlug: tenant.slug,
        budgetId: b.id,
        budgetName: b.name,
        scope: b.scope,
        period: b.period,
        periodStart: periodStart.toISOString(),
        mode: b.mode,
        threshold,
        spentMicros: spent.toString(),
        limitMicros: b.limitMicros.toString(),
        at: now.toISOString(),
      };
      await opts.enqueue(await channelJobs(db, tenantId, `budget-${b.id}-${periodStart.getTime()}-${threshold}`, event));
      const { count } = await db.budgetAlert.createMany({
        data: [{ id: newId("budgetAlert"), tenantId, budgetId: b.id, periodStart, threshold, spentMicros: spent }],
        skipDuplicates: true,
      });
      if (count > 0) {
        outcome.fired.push({ budgetId: b.id, threshold, spentMicros: spent.toString() });
        log("info", "budget.alert_fired", { tenantId, budgetId: b.id, threshold, spentMicros: spent.toString() });
      }
    }
  }

  // Refusals per budget (the limits stage names it in metadata.budget.id; older rows: unknown). A refused request is
  // `blocked`, or `fallback` when the feature's static answer replaced it. Index (tenant_id, status, created_at).
  const blocked = await db.$queryRawUnsafe<Array<{ budget_id: string | null; n: bigint; first: Date; last: Date }>>(
    `SELECT metadata #>> '{budget,id}' AS budget_id, count(*) AS n, min(created_at) AS first, max(created_at) AS last
     FROM request_logs
     WHERE tenant_id = $1 AND status IN ('blocked', 'fallback') AND created_at >= $2 AND error_code = 'budget_exceeded'
     GROUP BY 1 ORDER BY 1`,
    tenantId,
    opts.blockedSince,
  );
  for (const row of blocked) {
    const budget = budgets.find((b) => b.id === row.budget_id);
    const dedupeKey = `budget:${row.budget_id ?? "exceeded"}`;
    // Refusals an incident someone already resolved answered do not reopen it: only those after its resolution count.
    const lastResolved = await db.incident.findFirst({
      where: { tenantId, dedupeKey, status: "resolved", resolvedAt: { not: null } },
      orderBy: { resolvedAt: "desc" },
      select: { resolvedAt: true },
    });
    if (lastResolved?.resolvedAt && lastResolved.resolvedAt >= row.last) continue;
    const incident = await openIncidentOnce(db, {
      tenantId,
      signal: "budget",
      severity: "high",
      dedupeKey,
      title: budget ? `Budget "${budget.name}" exhausted: requests are being blocked` : "Budget exceeded: requests are being blocked",
      details: {
        budgetId: row.budget_id,
        budgetName: budget?.name ?? null,
        period: budget?.period ?? null,
        limitMicros: budget?.limitMicros.toString() ?? null,
        blockedRequests: Number(row.n),
        firstBlockedAt: row.first.toISOString(),
        lastBlockedAt: row.last.toISOString(),
      },
    });
    outcome.incidentId ??= incident.id;
    if (!incident.opened) continue;
    outcome.incidentOpened = true;
    log("warn", "budget.incident_opened", { tenantId, incidentId: incident.id, budgetId: row.budget_id, blocked: Number(row.n) });
    await opts.enqueue(
      await channelJobs(db, tenantId, `incident-${incident.id}`, {
        kind: "incident_opened",
        tenantId,
        tenantSlug: tenant.slug,
        incidentId: incident.id,
        title: incident.title,
        signal: "budget",
        severity: "high",
        runbookTitle: incident.runbookTitle,
        at: now.toISOString(),
      }),
    );
  }
  return outcome;
}
