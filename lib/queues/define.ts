import { Queue, type DefaultJobOptions } from "bullmq";
import type { z } from "zod";
import type { Env } from "@/lib/env";
import { log } from "@/lib/log";
import { getProducerConnection } from "@/lib/queues/connection";

/**
 * A queue is defined once (name, zod payload, job options) and shared by the
 * producer (`enqueue...` in lib/queues/<queue>.ts) and its processor
 * (workers/<queue>.ts), which re-parses every payload with the same schema.
 */
export interface QueueDefinition<S extends z.ZodType = z.ZodType, N extends string = string> {
  /** Kebab-case noun: `request-log`. */
  name: N;
  /** Verb naming the job: `record`. */
  jobName: string;
  schema: S;
  defaultJobOptions: DefaultJobOptions;
  /** Jobs one worker process holds at once. */
  concurrency: (env: Env) => number;
}

export function defineQueue<S extends z.ZodType, const N extends string>(def: QueueDefinition<S, N>): QueueDefinition<S, N> {
  return def;
}

const queues = new Map<string, Queue>();

/** The producer-side BullMQ Queue of a definition (one per process, on the shared fail-fast connection). */
export function getQueue<S extends z.ZodType>(def: QueueDefinition<S, string>): Queue<z.input<S>> {
  let queue = queues.get(def.name);
  if (!queue) {
    queue = new Queue(def.name, { connection: getProducerConnection(), defaultJobOptions: def.defaultJobOptions });
    // A Queue re-emits connection errors; connection.ts already logs them once.
    queue.on("error", () => undefined);
    queues.set(def.name, queue);
  }
  return queue as Queue<z.input<S>>;
}

export async function closeQueues(): Promise<void> {
  const all = [...queues.values()];
  queues.clear();
  await Promise.all(all.map((q) => q.close().catch((err: unknown) => log("warn", "queue.close_failed", { queue: q.name, err }))));
}

/** Standard job options: bounded history, exponential backoff. */
export function jobOptions(overrides: Partial<DefaultJobOptions> = {}): DefaultJobOptions {
  return {
    attempts: 8,
    backoff: { type: "exponential", delay: 1_000 },
    removeOnComplete: { age: 3_600, count: 1_000 },
    removeOnFail: { age: 7 * 24 * 3_600, count: 10_000 },
    ...overrides,
  };
}
