import { Queue, UnrecoverableError, type Job } from "bullmq";
import type { Redis } from "ioredis";
import type { Db } from "@/lib/db";
import { reconcileBudgetCounters } from "@/lib/gateway/limits/reconcile";
import { log } from "@/lib/log";
import { BUDGET_RECONCILE_SCHEDULER, BudgetReconcileJob, budgetCountersQueue } from "@/lib/queues/budget-counters";
import type { JobProcessor } from "@/workers/runtime";

/**
 * Queue `budget-counters`: reconciles the Redis budget counters with the
 * request log (lib/gateway/limits/reconcile.ts). At start the worker upserts
 * one job scheduler (BullMQ: one per deployment, however many workers run)
 * that enqueues a job every `everyMs`.
 */
export function createBudgetCountersProcessor(deps: { db: Db; redis: Redis; connection: Redis; everyMs: number }): JobProcessor {
  const queue = new Queue(budgetCountersQueue.name, { connection: deps.connection, defaultJobOptions: budgetCountersQueue.defaultJobOptions });
  queue.on("error", () => undefined); // connection errors are logged once by lib/queues/connection.ts
  const scheduled =
    deps.everyMs > 0
      ? queue
          .upsertJobScheduler(BUDGET_RECONCILE_SCHEDULER, { every: deps.everyMs }, { name: budgetCountersQueue.jobName, data: BudgetReconcileJob.parse({}) })
          .catch((err: unknown) => log("error", "budget.reconcile_schedule_failed", { err }))
      : queue.removeJobScheduler(BUDGET_RECONCILE_SCHEDULER).catch(() => undefined);
  return {
    async process(job: Job) {
      const parsed = BudgetReconcileJob.safeParse(job.data);
      if (!parsed.success) throw new UnrecoverableError(`invalid budget-counters payload: ${parsed.error.issues[0]?.message ?? "?"}`);
      const stats = await reconcileBudgetCounters(deps.db, deps.redis);
      log(stats.raised > 0 ? "warn" : "debug", "budget.reconciled", { ...stats, raisedMicros: stats.raisedMicros.toString(), reason: parsed.data.reason });
      return { ...stats, raisedMicros: stats.raisedMicros.toString() };
    },
    async close() {
      await scheduled;
      await queue.close();
      await deps.redis.quit().catch(() => deps.redis.disconnect());
    },
  };
}
