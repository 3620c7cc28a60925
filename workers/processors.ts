import { Queue } from "bullmq";
import type { Redis } from "ioredis";
import type { Db } from "@/lib/db";
import type { Env } from "@/lib/env";
import type { QueueName } from "@/lib/queues";
import { ASYNC_MODERATION_MARK, enqueueModeration, moderationQueue } from "@/lib/queues/moderation";
import { requestLogQueue } from "@/lib/queues/request-log";
import { createModerationProcessor } from "@/workers/moderation";
import { createBudgetCountersProcessor } from "@/workers/budget-counters";
import { createRequestLogProcessor } from "@/workers/request-log";
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
  "request-log": ({ db, connection }) => {
    // Where a rejected record goes to fail on its own (workers/request-log.ts).
    const queue = new Queue(requestLogQueue.name, { connection, defaultJobOptions: requestLogQueue.defaultJobOptions });
    queue.on("error", () => undefined); // connection errors are logged once by lib/queues/connection.ts
    // Guards (issue 6): records the gateway marked for async moderation go to the moderation queue once stored.
    const moderation = new Queue(moderationQueue.name, { connection, defaultJobOptions: moderationQueue.defaultJobOptions });
    moderation.on("error", () => undefined);
    const processor = createRequestLogProcessor({
      db,
      afterWrite: (records) =>
        enqueueModeration(
          records
            .filter((r) => r.metadata[ASYNC_MODERATION_MARK] === "queued")
            .map((r) => ({ requestId: r.id, tenantId: r.tenantId, createdAt: r.createdAt })),
          moderation,
        ),
      splitOff: async (jobs) => {
        await queue.addBulk(jobs.map((j) => ({ name: requestLogQueue.jobName, data: { records: j.records }, opts: { jobId: j.jobId } })));
      },
    });
    return { ...processor, close: async () => void (await Promise.all([queue.close(), moderation.close()])) };
  },
  moderation: ({ db }) => createModerationProcessor({ db }),
  // The worker's connection is a blocking one (BullMQ); the counters get their own command connection.
  "budget-counters": ({ db, connection, env }) =>
    createBudgetCountersProcessor({ db, connection, redis: connection.duplicate({ maxRetriesPerRequest: 2 }), everyMs: env.GATEHOUSE_BUDGET_RECONCILE_MS }),
};
