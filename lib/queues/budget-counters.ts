import { z } from "zod";
import { defineQueue, getQueue, jobOptions } from "@/lib/queues/define";

/**
 * Budget counters (issue 5): one repeatable job that reconciles the Redis
 * budget counters with the request log (lib/gateway/limits/reconcile.ts).
 * Scheduled by the worker at start (every GATEHOUSE_BUDGET_RECONCILE_MS);
 * `enqueueBudgetReconcile()` runs one now.
 */
export const BudgetReconcileJob = z.object({ reason: z.enum(["schedule", "manual"]).default("schedule") }).strict();
export type BudgetReconcileJob = z.infer<typeof BudgetReconcileJob>;

export const budgetCountersQueue = defineQueue({
  name: "budget-counters",
  jobName: "reconcile",
  schema: BudgetReconcileJob,
  defaultJobOptions: jobOptions({ attempts: 3, removeOnComplete: { age: 3_600, count: 100 }, removeOnFail: { age: 86_400, count: 100 } }),
  concurrency: () => 1,
});

/** Id of the job scheduler (one per deployment, whatever the number of workers). */
export const BUDGET_RECONCILE_SCHEDULER = "budget-counters:reconcile";

export async function enqueueBudgetReconcile(): Promise<void> {
  const data = BudgetReconcileJob.parse({ reason: "manual" });
  await getQueue(budgetCountersQueue).add(budgetCountersQueue.jobName, data);
}
