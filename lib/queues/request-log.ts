import { z } from "zod";
import { GuardVerdict as PolicyGuardVerdict } from "@/lib/guards/policy";
import { newId } from "@/lib/ids";
import { isJsonObject, type JsonObject as JsonObjectValue } from "@/lib/queues/json-value";
import { defineQueue, getQueue, jobOptions } from "@/lib/queues/define";

/**
 * The request log: one record per data-plane request (`RequestLogJob`), and
 * one queue job per BATCH of records (`RequestLogBatch`), written to
 * `request_logs` with one INSERT per job by workers/request-log.ts. A record
 * mirrors the table's columns (prisma/schema.prisma, RequestLog); JSON
 * columns get their own schemas here, so producer and worker agree on their
 * shape.
 *
 * Why batches: with one job per request, BullMQ's scripts ran ~50 Redis
 * commands and the worker spent ~0.4-0.7 ms of CPU per request; a job of 100
 * records costs about the same as a job of one.
 */
/**
 * A JSON column: z.record(z.string(), z.json())'s rule, checked by the walk of
 * json-value.ts (same verdict, a fraction of the cost: the prompt and the
 * response are most of a record).
 */
const JsonObject = z.custom<JsonObjectValue>(isJsonObject, "Invalid input: expected a JSON object");
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

/**
 * One guard's verdict, as lib/guards/policy.ts defines it (the one verdict
 * shape of issue 6), plus where it ran. `spans` locate findings, never values.
 */
export const GuardVerdict = PolicyGuardVerdict.extend({
  detail: JsonObject.optional(),
  stage: z.enum(["input", "output", "async"]).optional(),
});
export type GuardVerdict = z.infer<typeof GuardVerdict>;

/** Kinds redacted and how many, and where (`messages[1]`, `context[0]`), never the raw values. */
export const Redaction = z.object({ type: z.string(), count: z.number().int().min(1), where: z.array(z.string()).optional() });
export type Redaction = z.infer<typeof Redaction>;

/** One request's record (the name is older than batching: a job used to carry one). */
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
/** A record as stored (defaults filled): what the worker writes. */
export type RequestLogJob = z.output<typeof RequestLogJob>;
/** What a producer passes in. */
export type RequestLogJobInput = z.input<typeof RequestLogJob>;

/** Most records in one job (the recorder sends `GATEHOUSE_REQUEST_LOG_BATCH_SIZE`, at most 1000, and replays spool files 200 at a time). */
export const MAX_RECORDS_PER_JOB = 1_000;

/**
 * A job: a batch of records, each written once whatever the batch (the row
 * key is the request id and its timestamp, and the worker inserts with ON
 * CONFLICT DO NOTHING), so a record sent twice in two batches (a spooled
 * record replayed after its enqueue landed late) is stored once.
 */
export const RequestLogBatch = z.object({
  records: z.array(RequestLogJob).min(1).max(MAX_RECORDS_PER_JOB),
});
export type RequestLogBatch = z.output<typeof RequestLogBatch>;

/**
 * The worker's first look at a job: the batch's shape only. Each record is
 * then parsed on its own (RequestLogJob), so one bad record is rejected
 * without failing the others.
 */
export const RequestLogBatchEnvelope = z.object({
  records: z.array(z.unknown()).min(1).max(MAX_RECORDS_PER_JOB),
});

export const requestLogQueue = defineQueue({
  name: "request-log",
  jobName: "record",
  schema: RequestLogBatch,
  // Retried for about four minutes in all (1+2+4+...+64 s), then kept as failed for a week.
  // A job holds up to a batch of records (prompts and responses): keep fewer of them than
  // the default (1,000 failed jobs hold as many records as 100,000 one-record jobs would).
  defaultJobOptions: jobOptions({
    removeOnComplete: { age: 600, count: 100 },
    removeOnFail: { age: 7 * 24 * 3_600, count: 1_000 },
  }),
  // Each job is one INSERT of a whole batch: a few at once keep Postgres busy
  // while the next job is fetched, without queueing on the connection pool.
  concurrency: () => 4,
});

/**
 * Validates and enqueues one record, as a batch of one (tests, tools; the
 * gateway batches with enqueueRequestLogs). Throws a ZodError on a malformed
 * record (a bug in the caller) and the Redis error when Redis cannot take it.
 * Resolves with the job id.
 */
export async function enqueueRequestLog(job: RequestLogJobInput): Promise<string> {
  return enqueueRequestLogs([RequestLogJob.parse(job)]);
}

/**
 * Enqueues records as ONE job, in one round trip (one EVALSHA): the gateway's
 * recorder (a batch of the hot path, a batch of a spool file being replayed).
 * Takes records as built (RequestLogJobInput): the worker parses each one
 * with RequestLogJob and keeps a refused record in the failed set. The job id is a new batch id
 * (`rlb_...`): idempotency comes from the row key, not the job. Throws the
 * Redis error when Redis cannot take it. Resolves with the job id.
 */
export async function enqueueRequestLogs(records: RequestLogJobInput[]): Promise<string> {
  if (records.length === 0 || records.length > MAX_RECORDS_PER_JOB) {
    throw new RangeError(`a request-log job holds 1 to ${MAX_RECORDS_PER_JOB} records, not ${records.length}`);
  }
  const jobId = newId("requestLogBatch");
  const data: z.input<typeof RequestLogBatch> = { records };
  await getQueue(requestLogQueue).add(requestLogQueue.jobName, data, { jobId });
  return jobId;
}
