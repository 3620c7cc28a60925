import { Queue } from "bullmq";
import type { Redis } from "ioredis";
import type { Db } from "@/lib/db";
import type { Env } from "@/lib/env";
import type { QueueName } from "@/lib/queues";
import { ASYNC_MODERATION_MARK, enqueueModeration, moderationQueue } from "@/lib/queues/moderation";
import { requestLogQueue } from "@/lib/queues/request-log";
import { alertDeliveryQueue } from "@/lib/queues/alert-delivery";
import { bucketJobs, USAGE_SWEEP_EVERY_MS, USAGE_SWEEP_SCHEDULER, usageRollupQueue } from "@/lib/queues/usage-rollup";
import { createAlertDeliveryProcessor } from "@/workers/alert-delivery";
import { createModerationProcessor } from "@/workers/moderation";
import { createBudgetCountersProcessor } from "@/workers/budget-counters";
import { createRequestLogProcessor } from "@/workers/request-log";
import { createUsageRollupProcessor } from "@/workers/usage-rollup";
import { log } from "@/lib/log";
import type { JobProcessor } from "@/workers/runtime";

export interface ProcessorDeps {
  env: Env;
  db: Db;
  /** The worker's Redis connection (a processor that enqueues jobs shares it). */
  connection: Redis;
}

/**
 * The processor of every queue in lib/queues' registry. Keyed by QueueName,
 * so a queue added to the registry without a processor does not compile.
 */
export const processors: { [K in QueueName]: (deps: ProcessorDeps) => JobProcessor } = {
  "request-log": ({ db, connection, env }) => {
    // Where a rejected record goes to fail on its own (workers/request-log.ts).
    const queue = new Queue(requestLogQueue.name, { connection, defaultJobOptions: requestLogQueue.defaultJobOptions });
    queue.on("error", () => undefined); // connection errors are logged once by lib/queues/connection.ts
    // Guards (issue 6): records the gateway marked for async moderation go to the moderation queue once stored.
    const moderation = new Queue(moderationQueue.name, { connection, defaultJobOptions: moderationQueue.defaultJobOptions });
    moderation.on("error", () => undefined);
    // Where the usage roll-up of the hours a batch touched goes (one job per tenant and hour, deduplicated).
    const rollups = new Queue(usageRollupQueue.name, { connection, defaultJobOptions: usageRollupQueue.defaultJobOptions });
    rollups.on("error", () => undefined);
    const processor = createRequestLogProcessor({
      db,
      splitOff: async (jobs) => {
        await queue.addBulk(jobs.map((j) => ({ name: requestLogQueue.jobName, data: { records: j.records }, opts: { jobId: j.jobId } })));
      },
      afterWrite: async (records) => {
        // The usage roll-up of the hours touched: a failure is logged, not retried (the sweep recomputes recent hours).
        const touched = new Map<string, Date[]>();
        for (const r of records) {
          const list = touched.get(r.tenantId) ?? [];
          list.push(new Date(r.createdAt));
          touched.set(r.tenantId, list);
        }
        const jobs = [...touched].flatMap(([tenantId, dates]) => bucketJobs(tenantId, dates));
        // Delayed: while the hour's job waits, later batches add nothing (deduplicated), so under load the
        // hour is re-aggregated once per delay rather than once per batch (each run re-reads the hour's rows).
        const delay = env.GATEHOUSE_USAGE_ROLLUP_DELAY_MS;
        await rollups
          .addBulk(jobs.map((j) => ({ name: usageRollupQueue.jobName, data: j.data, opts: { deduplication: j.deduplication, ...(delay > 0 ? { delay } : {}) } })))
          .catch((err: unknown) => log("warn", "worker.usage_rollup_enqueue_failed", { error: err instanceof Error ? err.message : String(err) }));
        // Async moderation: a failure retries the batch (nothing may go unmoderated; the insert is idempotent).
        await enqueueModeration(
          records
            .filter((r) => r.metadata[ASYNC_MODERATION_MARK] === "queued")
            .map((r) => ({ requestId: r.id, tenantId: r.tenantId, createdAt: r.createdAt })),
          moderation,
        );
      },
    });
    return { ...processor, close: async () => void (await Promise.all([queue.close(), moderation.close(), rollups.close()])) };
  },
  moderation: ({ db }) => createModerationProcessor({ db }),
  "usage-rollup": ({ db, connection }) => {
    const deliveries = new Queue(alertDeliveryQueue.name, { connection, defaultJobOptions: alertDeliveryQueue.defaultJobOptions });
    deliveries.on("error", () => undefined);
    const self = new Queue(usageRollupQueue.name, { connection, defaultJobOptions: usageRollupQueue.defaultJobOptions });
    self.on("error", () => undefined);
    // The repeatable sweep: one scheduler whatever the number of workers (upsert by id).
    void self
      .upsertJobScheduler(USAGE_SWEEP_SCHEDULER, { every: USAGE_SWEEP_EVERY_MS }, { name: usageRollupQueue.jobName, data: { kind: "sweep" } })
      .catch((err: unknown) => log("warn", "worker.usage_sweep_schedule_failed", { error: err instanceof Error ? err.message : String(err) }));
    const processor = createUsageRollupProcessor({
      db,
      enqueueDeliveries: async (jobs) => {
        if (jobs.length === 0) return;
        await deliveries.addBulk(jobs.map((j) => ({ name: alertDeliveryQueue.jobName, data: j.data, opts: { jobId: j.jobId } })));
      },
    });
    return { ...processor, close: async () => void (await Promise.all([deliveries.close(), self.close()])) };
  },
  "alert-delivery": ({ db }) => createAlertDeliveryProcessor({ db }),
  // The worker's connection is a blocking one (BullMQ); the counters get their own command connection.
  "budget-counters": ({ db, connection, env }) =>
    createBudgetCountersProcessor({ db, connection, redis: connection.duplicate({ maxRetriesPerRequest: 2 }), everyMs: env.GATEHOUSE_BUDGET_RECONCILE_MS }),
};
