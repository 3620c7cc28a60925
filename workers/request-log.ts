import { UnrecoverableError, type Job } from "bullmq";
import type { Db } from "@/lib/db";
import { Prisma } from "@/lib/generated/prisma/client";
import { RequestLogJob } from "@/lib/queues/request-log";
import { Batcher, type BatcherOptions } from "@/workers/batcher";
import type { JobProcessor } from "@/workers/runtime";

/**
 * Writes request-log jobs to `request_logs`, many rows per INSERT.
 *
 * Design: the worker runs with concurrency = batch size, so it holds up to a
 * batch of jobs at once. Each job's processor validates its payload and hands
 * the row to a Batcher, which inserts everything collected within
 * `maxWaitMs` (or as soon as `maxSize` rows are in) with one `createMany`, and
 * resolves each job when its row is written. BullMQ keeps doing what it is good
 * at (locks, retries with backoff, stalled-job recovery, graceful close),
 * nothing is acknowledged before it is in Postgres, and a retried job is
 * harmless: `skipDuplicates` (ON CONFLICT DO NOTHING) on the (id, created_at) key.
 * A failing batch is retried row by row, so one bad row fails only its own job.
 */
export function toRow(job: RequestLogJob): Prisma.RequestLogCreateManyInput {
  return {
    ...job,
    createdAt: new Date(job.createdAt),
    response: job.response ?? Prisma.DbNull,
    costMicros: BigInt(job.costMicros),
  };
}

/** Prisma errors that no retry can fix: the tenant is gone, a value does not fit. */
const PERMANENT = new Set(["P2000", "P2003", "P2007"]);

export function createRequestLogProcessor(db: Db, batch: BatcherOptions): JobProcessor {
  const batcher = new Batcher<Prisma.RequestLogCreateManyInput>(async (rows) => {
    await db.requestLog.createMany({ data: rows, skipDuplicates: true });
  }, batch);

  return {
    async process(job: Job): Promise<void> {
      const parsed = RequestLogJob.safeParse(job.data);
      if (!parsed.success) {
        const first = parsed.error.issues[0];
        const where = first?.path.length ? `${first.path.join(".")}: ` : "";
        throw new UnrecoverableError(`invalid request-log payload (${where}${first?.message ?? "invalid"})`);
      }
      try {
        await batcher.add(toRow(parsed.data));
      } catch (err) {
        if (err instanceof Prisma.PrismaClientKnownRequestError && PERMANENT.has(err.code)) {
          throw new UnrecoverableError(`request log ${parsed.data.id} cannot be stored (${err.code})`);
        }
        throw err;
      }
    },
    drain: () => batcher.drain(),
  };
}
