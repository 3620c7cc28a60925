import { Queue } from "bullmq";
import type { Redis } from "ioredis";
import type { Db } from "@/lib/db";
import type { Env } from "@/lib/env";
import type { QueueName } from "@/lib/queues";
import { requestLogQueue } from "@/lib/queues/request-log";
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
    const processor = createRequestLogProcessor({
      db,
      splitOff: async (jobs) => {
        await queue.addBulk(jobs.map((j) => ({ name: requestLogQueue.jobName, data: { records: j.records }, opts: { jobId: j.jobId } })));
      },
    });
    return { ...processor, close: () => queue.close() };
  },
  // The worker's connection is a blocking one (BullMQ); the counters get their own command connection.
  "budget-counters": ({ db, connection, env }) =>
    createBudgetCountersProcessor({ db, connection, redis: connection.duplicate({ maxRetriesPerRequest: 2 }), everyMs: env.GATEHOUSE_BUDGET_RECONCILE_MS }),
};
