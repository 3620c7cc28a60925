import { z } from "zod";
import { defineQueue, getQueue, jobOptions } from "@/lib/queues/define";

/**
 * The request log: one job per data-plane request, written to `request_logs`
 * in batches by workers/request-log.ts. The payload mirrors the table's
 * columns (prisma/schema.prisma, RequestLog); JSON columns get their own
 * schemas here, so producer and worker agree on their shape.
 */
const Json = z.json();
const JsonObject = z.record(z.string(), Json);
const NullableId = z.string().min(1).nullable().default(null);
const Count = z.number().int().min(0);

/** A retrieved document the caller sent as context (`metadata.gatehouse.context`). */
export const ContextDoc = z.object({
  id: z.string(),
  source: z.string(),
  text: z.string(),
  score: z.number().nullable().default(null),
});
export type ContextDoc = z.infer<typeof ContextDoc>;

/** One upstream attempt: target, outcome, timings. */
export const Attempt = z.object({
  /** "provider/model" */
  target: z.string(),
  status: z.enum(["ok", "error", "timeout", "aborted", "skipped"]),
  httpStatus: z.number().int().nullable().default(null),
  /** Retryable class of the failure (`rate_limited`, `server_error`, `timeout`, `reset`, ...). */
  errorClass: z.string().nullable().default(null),
  latencyMs: Count,
  ttftMs: Count.nullable().default(null),
  /** The routing engine's detail (lib/gateway/route/engine.ts AttemptRecord): optional for older records. */
  targetId: z.string().optional(),
  provider: z.string().optional(),
  model: z.string().optional(),
  /** 0 for the first try on this target, 1 for the first retry, ... */
  retry: Count.optional(),
  /** Waited before this attempt (backoff or retry-after), ms. */
  delayMs: Count.optional(),
  /** Why the gateway moved on to the next target after this attempt. */
  fallbackReason: z.string().nullable().optional(),
});
export type Attempt = z.infer<typeof Attempt>;

export const GuardVerdict = z.object({
  guard: z.string(),
  stage: z.enum(["input", "output"]),
  action: z.enum(["allow", "flag", "redact", "block"]),
  score: z.number().nullable().default(null),
  reason: z.string().nullable().default(null),
});
export type GuardVerdict = z.infer<typeof GuardVerdict>;

/** Kinds redacted and how many, never the raw values. */
export const Redaction = z.object({ type: z.string(), count: z.number().int().min(1) });
export type Redaction = z.infer<typeof Redaction>;

export const RequestLogJob = z.object({
  id: z.string().regex(/^req_/, "must be a request id (req_...)"),
  /** ISO 8601; decides the monthly partition. */
  createdAt: z.iso.datetime({ offset: true }),
  tenantId: z.string().min(1),
  featureId: NullableId,
  apiKeyId: NullableId,
  endUserId: NullableId,
  endpoint: z.string().min(1),
  model: z.string(),
  servedBy: NullableId,
  promptVersionId: NullableId,
  status: z.enum(["ok", "fallback", "error", "blocked"]),
  httpStatus: z.number().int().min(100).max(599),
  errorCode: NullableId,
  fallbackReason: NullableId,
  streamed: z.boolean().default(false),
  cache: NullableId,
  request: JsonObject,
  response: JsonObject.nullable().default(null),
  contextDocs: z.array(ContextDoc).default([]),
  attempts: z.array(Attempt).default([]),
  guardVerdicts: z.array(GuardVerdict).default([]),
  redactions: z.array(Redaction).default([]),
  promptTokens: Count.default(0),
  completionTokens: Count.default(0),
  cachedTokens: Count.default(0),
  reasoningTokens: Count.default(0),
  /** Micro-dollars as a decimal string (BigInt does not survive JSON). */
  costMicros: z.string().regex(/^\d+$/, "must be a non-negative integer string").default("0"),
  latencyMs: Count,
  ttftMs: Count.nullable().default(null),
  metadata: JsonObject.default({}),
});
/** What the worker receives (defaults filled). */
export type RequestLogJob = z.output<typeof RequestLogJob>;
/** What a producer passes in. */
export type RequestLogJobInput = z.input<typeof RequestLogJob>;

export const requestLogQueue = defineQueue({
  name: "request-log",
  jobName: "record",
  schema: RequestLogJob,
  // Retried for about four minutes in all (1+2+4+...+64 s), then kept as failed for a week.
  defaultJobOptions: jobOptions(),
  // The worker holds a whole batch at once (workers/request-log.ts).
  concurrency: (env) => env.GATEHOUSE_REQUEST_LOG_BATCH_SIZE,
});

/**
 * Validates and enqueues one record. The job id is the request id, so a
 * record enqueued twice (a replayed spool) is stored once.
 * Throws a ZodError on a malformed record (a bug in the caller) and the Redis
 * error when Redis cannot take it (issue 3 spools it to disk then).
 */
export async function enqueueRequestLog(job: RequestLogJobInput): Promise<void> {
  const data = RequestLogJob.parse(job);
  await getQueue(requestLogQueue).add(requestLogQueue.jobName, data, { jobId: data.id });
}

/**
 * Enqueues many records in one round trip (the gateway's recorder: batches of
 * the hot path, and spool replay), each under its request id like
 * enqueueRequestLog, so a record already queued is not queued again. Takes
 * records already parsed with RequestLogJob (the recorder validates each once;
 * the worker parses again). Throws the Redis error when Redis cannot take them.
 */
export async function enqueueRequestLogs(jobs: readonly RequestLogJob[]): Promise<void> {
  if (jobs.length === 0) return;
  await getQueue(requestLogQueue).addBulk(jobs.map((data) => ({ name: requestLogQueue.jobName, data, opts: { jobId: data.id } })));
}
