import { Worker, type Job } from "bullmq";
import type { Redis } from "ioredis";
import type { QueueDefinition } from "@/lib/queues";
import { log } from "@/lib/log";
import { within } from "@/lib/shutdown";

/** What a workers/<queue>.ts module provides for its queue. */
export interface JobProcessor {
  /** Resolves with the job's return value (kept by BullMQ with the completed job). */
  process(job: Job): Promise<unknown>;
  /** Finish what is in hand quickly (flush a batch); called when the worker closes. */
  drain?(): Promise<void>;
  /** Releases what the processor holds (a producer Queue), once its worker has closed. */
  close?(): Promise<void>;
}

export interface RunningWorker {
  queue: string;
  worker: Worker;
  processor: JobProcessor;
}

/** One BullMQ Worker for one queue, logging one line per lifecycle event. */
export function startWorker(
  definition: QueueDefinition,
  processor: JobProcessor,
  opts: { connection: Redis; concurrency: number },
): RunningWorker {
  const queue = definition.name;
  const worker = new Worker(queue, (job: Job) => processor.process(job), {
    connection: opts.connection,
    concurrency: opts.concurrency,
    autorun: true,
    // After a Redis outage BullMQ waits this long before polling again (15 s
    // by default): a second keeps the request log close behind traffic.
    runRetryDelay: 1_000,
  });
  worker.on("ready", () => log("info", "worker.ready", { queue, concurrency: opts.concurrency }));
  worker.on("completed", (job) => log("debug", "worker.job_completed", { queue, jobId: job.id }));
  worker.on("failed", (job, err) => {
    const final = !job || err.name === "UnrecoverableError" || job.attemptsMade >= (job.opts.attempts ?? 1);
    log(final ? "error" : "warn", final ? "worker.job_failed" : "worker.job_retrying", {
      queue,
      jobId: job?.id,
      attempt: job?.attemptsMade,
      error: err.message,
    });
  });
  worker.on("stalled", (jobId) => log("warn", "worker.job_stalled", { queue, jobId }));
  worker.on("error", (err) => log("error", "worker.error", { queue, error: err.message }));
  worker.on("closing", () => log("info", "worker.closing", { queue }));
  worker.on("closed", () => log("info", "worker.closed", { queue }));
  return { queue, worker, processor };
}

/**
 * Graceful stop: stop taking jobs, let the ones in hand finish (their
 * processors drain at once), bounded by `timeoutMs`; past it, force-close
 * (the unfinished jobs become stalled and another worker takes them over).
 * Resolves true when everything finished in time.
 */
export async function stopWorkers(running: readonly RunningWorker[], timeoutMs: number): Promise<boolean> {
  const closing = Promise.all(running.map((r) => r.worker.close()));
  await Promise.all(running.map((r) => r.processor.drain?.()));
  let clean = true;
  if ((await within(closing, timeoutMs)) === "timeout") {
    log("error", "worker.shutdown_timeout", { timeoutMs });
    await Promise.all(running.map((r) => r.worker.close(true).catch(() => undefined)));
    clean = false;
  }
  await Promise.all(running.map((r) => r.processor.close?.().catch((err: unknown) => log("warn", "worker.processor_close_failed", { queue: r.queue, err }))));
  return clean;
}
