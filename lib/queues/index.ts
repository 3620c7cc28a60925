import type { QueueDefinition } from "@/lib/queues/define";
import { moderationQueue } from "@/lib/queues/moderation";
import { budgetCountersQueue } from "@/lib/queues/budget-counters";
import { requestLogQueue } from "@/lib/queues/request-log";
import { usageRollupQueue } from "@/lib/queues/usage-rollup";
import { alertDeliveryQueue } from "@/lib/queues/alert-delivery";

export { closeQueues, getQueue, type QueueDefinition } from "@/lib/queues/define";
export { closeProducerConnection } from "@/lib/queues/connection";

/**
 * Every queue of Gatehouse. workers/index.ts starts one BullMQ Worker per
 * entry, with the processor registered for that name (workers/processors.ts:
 * a missing processor is a type error); the health check reports the depth of
 * each. Later issues add moderation, cost aggregation, evals, alerts, retention.
 */
export const queueRegistry = {
  "request-log": requestLogQueue,
  moderation: moderationQueue,
  "usage-rollup": usageRollupQueue,
  "alert-delivery": alertDeliveryQueue,
  "budget-counters": budgetCountersQueue,
} as const;

export type QueueName = keyof typeof queueRegistry;

export const queueDefinitions: readonly QueueDefinition[] = Object.values(queueRegistry);
