import { z } from "zod";
import { defineQueue, getQueue, jobOptions } from "@/lib/queues/define";

/**
 * Cost aggregation: rolls `request_logs` up into `usage_rollups` (per hour
 * and per day), then checks the tenant's budgets against the new totals
 * (alerts, incidents). Processor: workers/usage-rollup.ts.
 *
 * Two kinds of job:
 * - `buckets`: recompute the named hours of one tenant (and the days that
 *   hold them). Enqueued by the request-log worker after each batch it
 *   writes, one job per (tenant, hour), deduplicated (bucketJobs) and
 *   delayed by GATEHOUSE_USAGE_ROLLUP_DELAY_MS (5 s): the batches written
 *   while it waits ride on it, so a busy hour is re-read once per delay, not
 *   once per batch (at 2,000 req/s that was ~40 re-reads a second). A job
 *   recomputes from `request_logs`, so running it twice, or late, gives the
 *   same rows.
 * - `sweep`: the repeatable safety net (every minute): recomputes the current
 *   and the previous hour of every tenant with traffic in them (catches a
 *   batch written while its bucket's job was already running, a lost enqueue),
 *   and re-checks every tenant's budgets.
 */
export const HourStart = z.iso.datetime({ offset: true }).refine((s) => new Date(s).getTime() % 3_600_000 === 0, "must be the start of a UTC hour");

export const UsageRollupJob = z.discriminatedUnion("kind", [
  z.object({
    kind: z.literal("buckets"),
    tenantId: z.string().min(1),
    /** Starts of the UTC hours to recompute (ISO 8601). */
    hours: z.array(HourStart).min(1).max(48),
  }),
  z.object({ kind: z.literal("sweep") }),
]);
export type UsageRollupJob = z.output<typeof UsageRollupJob>;

export const usageRollupQueue = defineQueue({
  name: "usage-rollup",
  jobName: "aggregate",
  schema: UsageRollupJob,
  defaultJobOptions: jobOptions({ attempts: 6, removeOnFail: { age: 24 * 3_600, count: 1_000 } }),
  // Each job is a few statements on one tenant's rows; two at once overlap the round trips.
  concurrency: () => 2,
});

/** The sweep's scheduler id and period. */
export const USAGE_SWEEP_SCHEDULER = "usage-rollup-sweep";
export const USAGE_SWEEP_EVERY_MS = 60_000;

export function hourStartOf(date: Date): Date {
  return new Date(Math.floor(date.getTime() / 3_600_000) * 3_600_000);
}

export interface BucketJob {
  data: UsageRollupJob;
  /** BullMQ deduplication: one job per (tenant, hour) waiting, plus at most one running. */
  deduplication: { id: string; keepLastIfActive: true };
}

/**
 * The bucket jobs of one tenant's touched hours: one per hour, deduplicated
 * on (tenant, hour). While a job of that hour waits, more batches of the
 * hour add nothing; while it runs, the next batch leaves exactly one job to
 * run after it (BullMQ's `keepLastIfActive`), so a batch written during a
 * recomputation is never missed.
 */
export function bucketJobs(tenantId: string, touched: Iterable<Date>): BucketJob[] {
  const hours = [...new Set([...touched].map((d) => hourStartOf(d).getTime()))].sort((a, b) => a - b);
  return hours.map((h) => ({
    data: UsageRollupJob.parse({ kind: "buckets", tenantId, hours: [new Date(h).toISOString()] }),
    // BullMQ refuses ':' in ids.
    deduplication: { id: `usage-${tenantId}-${h}`, keepLastIfActive: true },
  }));
}

/** Enqueues the recomputation of one tenant's touched hours (validated; deduplicated per hour). */
export async function enqueueUsageRollup(tenantId: string, touched: Iterable<Date>): Promise<number> {
  const jobs = bucketJobs(tenantId, touched);
  await getQueue(usageRollupQueue).addBulk(jobs.map((j) => ({ name: usageRollupQueue.jobName, data: j.data, opts: { deduplication: j.deduplication } })));
  return jobs.length;
}
