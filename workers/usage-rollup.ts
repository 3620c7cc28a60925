import { UnrecoverableError, type Job } from "bullmq";
import type { Db } from "@/lib/db";
import { log } from "@/lib/log";
import type { AlertDeliveryJob } from "@/lib/queues/alert-delivery";
import { UsageRollupJob } from "@/lib/queues/usage-rollup";
import { hourStart, rollUpHours, tenantsWithTraffic } from "@/lib/usage/aggregate";
import { checkBudgets } from "@/lib/usage/budget-check";
import type { JobProcessor } from "@/workers/runtime";

/**
 * The usage-rollup queue (lib/queues/usage-rollup.ts): recompute a tenant's
 * touched hours and days from `request_logs` (lib/usage/aggregate.ts), then
 * check its budgets (lib/usage/budget-check.ts: threshold alerts, the budget
 * incident). The sweep does the same for the current and previous hour of
 * every tenant with traffic, and checks the budgets of every tenant that
 * has any (a period boundary or a budget edit can fire an alert without new
 * traffic).
 *
 * Idempotent end to end: buckets are recomputed, alerts are recorded once
 * (unique row), delivery jobs have fixed ids. Any failure retries the job.
 */

export interface UsageRollupProcessorDeps {
  db: Db;
  /** Enqueues alert deliveries (the alert-delivery queue; fixed job ids). */
  enqueueDeliveries(jobs: Array<{ jobId: string; data: AlertDeliveryJob }>): Promise<void>;
  now?: () => Date;
}

/** How far back the sweep recomputes (the current hour and the one before). */
const SWEEP_HOURS = 2;
/** Blocked requests older than this do not open a budget incident. */
const BLOCKED_LOOKBACK_MS = 2 * 3_600_000;

export interface UsageRollupResult {
  tenants: number;
  rows: number;
  alerts: number;
  incidentsOpened: number;
}

export function createUsageRollupProcessor(deps: UsageRollupProcessorDeps): JobProcessor {
  const now = deps.now ?? (() => new Date());

  async function forTenant(tenantId: string, hours: Date[], result: UsageRollupResult): Promise<void> {
    const at = now();
    if (hours.length > 0) result.rows += (await rollUpHours(deps.db, tenantId, hours)).rows;
    const earliest = hours.length ? Math.min(...hours.map((h) => h.getTime())) : at.getTime();
    const outcome = await checkBudgets(deps.db, tenantId, {
      now: at,
      blockedSince: new Date(Math.max(Math.min(earliest, at.getTime()), at.getTime() - BLOCKED_LOOKBACK_MS)),
      enqueue: deps.enqueueDeliveries,
    });
    result.tenants += 1;
    result.alerts += outcome.fired.length;
    if (outcome.incidentOpened) result.incidentsOpened += 1;
  }

  return {
    async process(job: Job): Promise<UsageRollupResult> {
      const parsed = UsageRollupJob.safeParse(job.data);
      if (!parsed.success) throw new UnrecoverableError(`invalid usage-rollup payload (${parsed.error.issues[0]?.message ?? "invalid"})`);
      const result: UsageRollupResult = { tenants: 0, rows: 0, alerts: 0, incidentsOpened: 0 };
      const data = parsed.data;
      if (data.kind === "buckets") {
        await forTenant(data.tenantId, data.hours.map((h) => new Date(h)), result);
      } else {
        const current = hourStart(now()).getTime();
        const hours = Array.from({ length: SWEEP_HOURS }, (_, i) => new Date(current - i * 3_600_000));
        const from = hours[hours.length - 1] ?? new Date(current);
        const withTraffic = new Set(await tenantsWithTraffic(deps.db, from, new Date(current + 3_600_000)));
        const withBudgets = await deps.db.budget.findMany({ where: { enabled: true }, distinct: ["tenantId"], select: { tenantId: true } });
        const all = new Set([...withTraffic, ...withBudgets.map((b) => b.tenantId)]);
        for (const tenantId of all) await forTenant(tenantId, withTraffic.has(tenantId) ? hours : [], result);
      }
      if (result.alerts > 0 || result.incidentsOpened > 0) log("info", "usage.rollup_done", { jobId: job.id, ...result });
      return result;
    },
  };
}
