import { z } from "zod";
import { defineQueue, getQueue, jobOptions } from "@/lib/queues/define";
import type { Queue } from "bullmq";

/**
 * Async moderation (issue 6): the slower check of a logged answer, through
 * the moderation route of the request's guard policy (OpenAI's moderation API
 * format). Fed by the request-log worker once the record is written (the
 * gateway marks the record `metadata.asyncModeration: "queued"` when the
 * policy enables it), processed by workers/moderation.ts, which flags the
 * row's verdicts and opens a `policy_violation` incident over the threshold.
 */
export const ModerationJob = z.object({
  requestId: z.string().regex(/^req_/, "must be a request id (req_...)"),
  tenantId: z.string().min(1),
  /** The record's created_at (the partition key), ISO 8601. */
  createdAt: z.iso.datetime({ offset: true }),
});
export type ModerationJob = z.infer<typeof ModerationJob>;

export const moderationQueue = defineQueue({
  name: "moderation",
  jobName: "moderate",
  schema: ModerationJob,
  defaultJobOptions: jobOptions({ attempts: 5 }),
  concurrency: () => 4,
});

/** The marker a request-log record carries when its answer goes to the moderation queue. */
export const ASYNC_MODERATION_MARK = "asyncModeration";

/** Job id per request: a record written twice (replayed spool) is moderated once. */
export function moderationJobId(requestId: string): string {
  return `mod-${requestId}`;
}

/** Validates and enqueues jobs in one round trip, on `queue` (the worker's) or the shared producer queue. */
export async function enqueueModeration(jobs: ModerationJob[], queue: Queue = getQueue(moderationQueue)): Promise<void> {
  if (jobs.length === 0) return;
  const parsed = jobs.map((j) => ModerationJob.parse(j));
  await queue.addBulk(parsed.map((data) => ({ name: moderationQueue.jobName, data, opts: { jobId: moderationJobId(data.requestId) } })));
}
