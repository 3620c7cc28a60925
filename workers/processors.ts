import type { Db } from "@/lib/db";
import type { Env } from "@/lib/env";
import type { QueueName } from "@/lib/queues";
import { createRequestLogProcessor } from "@/workers/request-log";
import type { JobProcessor } from "@/workers/runtime";

/**
 * The processor of every queue in lib/queues' registry. Keyed by QueueName,
 * so a queue added to the registry without a processor does not compile.
 */
export const processors: { [K in QueueName]: (deps: { env: Env; db: Db }) => JobProcessor } = {
  "request-log": ({ env, db }) =>
    createRequestLogProcessor(db, {
      maxSize: env.GATEHOUSE_REQUEST_LOG_BATCH_SIZE,
      maxWaitMs: env.GATEHOUSE_REQUEST_LOG_BATCH_WAIT_MS,
    }),
};
