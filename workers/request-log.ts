import { UnrecoverableError, type Job } from "bullmq";
import { z } from "zod";
import type { Db } from "@/lib/db";
import { Prisma } from "@/lib/generated/prisma/client";
import { log } from "@/lib/log";
import { RequestLogBatchEnvelope, RequestLogJob } from "@/lib/queues/request-log";
import type { JobProcessor } from "@/workers/runtime";

/**
 * Writes request-log jobs to `request_logs`: one job is a batch of records
 * (lib/queues/request-log.ts), written with ONE statement.
 *
 * - The job's shape is checked, then each record on its own, with the
 *   producer's schema (RequestLogJob: a worker never trusts `job.data`). A
 *   job of the older shape (one record, enqueued before batching) is taken
 *   as a batch of one.
 * - The valid records go in with one `INSERT ... SELECT FROM
 *   jsonb_to_recordset($1) ON CONFLICT DO NOTHING`: the whole batch as one
 *   JSON parameter, which Postgres parses itself. Measured on this machine
 *   for a 200-row batch of chat records, worker CPU per row: Prisma
 *   createMany ~520 µs, a multi-row VALUES with 30 parameters per row ~40 µs,
 *   this ~15 µs (Postgres ~40 µs per row either way, most of it the six
 *   indexes). The row key is (id, created_at): a record written before (a
 *   retried job, a spooled record replayed after its enqueue landed late) is
 *   skipped, so every request is stored once.
 * - A statement that fails because of the data (SQLSTATE classes 22, 23, 54:
 *   a tenant that is gone, a number too large for its column, a NUL byte
 *   Postgres refuses) is split in halves and retried until the bad rows are
 *   alone; the others are written. Any other failure (Postgres away, a
 *   deadlock) fails the whole job, which BullMQ retries with backoff.
 * - Records refused (by the schema or by Postgres) fail alone: each is sent
 *   on as a job of its own (`<batch job id>-<index>`, the record as it came),
 *   which then fails at once as unrecoverable and stays in the failed set
 *   with its data and reason; the batch job completes. A one-record job
 *   whose record is refused fails itself.
 * - Graceful shutdown: the BullMQ worker stops taking jobs and waits for the
 *   ones in hand (each is one statement in flight), bounded by
 *   GATEHOUSE_SHUTDOWN_TIMEOUT_MS (workers/runtime.ts). Nothing is
 *   acknowledged before it is in Postgres.
 */

/** Column and SQL type of each field of a record: one entry per field, nothing else (checked by the compiler). */
const COLUMNS = {
  id: ["id", "text"],
  createdAt: ["created_at", "timestamptz"],
  tenantId: ["tenant_id", "text"],
  featureId: ["feature_id", "text"],
  apiKeyId: ["api_key_id", "text"],
  endUserId: ["end_user_id", "text"],
  endpoint: ["endpoint", "text"],
  model: ["model", "text"],
  servedBy: ["served_by", "text"],
  promptVersionId: ["prompt_version_id", "text"],
  status: ["status", '"RequestStatus"'],
  httpStatus: ["http_status", "int4"],
  errorCode: ["error_code", "text"],
  fallbackReason: ["fallback_reason", "text"],
  streamed: ["streamed", "bool"],
  cache: ["cache", "text"],
  request: ["request", "jsonb"],
  response: ["response", "jsonb"],
  contextDocs: ["context_docs", "jsonb"],
  attempts: ["attempts", "jsonb"],
  guardVerdicts: ["guard_verdicts", "jsonb"],
  redactions: ["redactions", "jsonb"],
  promptTokens: ["prompt_tokens", "int4"],
  completionTokens: ["completion_tokens", "int4"],
  cachedTokens: ["cached_tokens", "int4"],
  reasoningTokens: ["reasoning_tokens", "int4"],
  // A decimal string in the record (BigInt does not survive JSON): Postgres reads it as int8.
  costMicros: ["cost_micros", "int8"],
  latencyMs: ["latency_ms", "int4"],
  ttftMs: ["ttft_ms", "int4"],
  metadata: ["metadata", "jsonb"],
} as const satisfies { [K in keyof RequestLogJob]-?: readonly [string, string] };

// Every field of a record is a field of the Prisma model (a field added to one and not the other does not compile).
type Unmapped = Exclude<keyof RequestLogJob, keyof Prisma.RequestLogCreateManyInput>;
const allMapped: [Unmapped] extends [never] ? true : Unmapped = true;
void allMapped;

const FIELDS = Object.entries(COLUMNS);

/**
 * One parameter: the records as a JSON array, keyed by their own (camelCase)
 * field names, so the worker sends what it validated without reshaping it.
 */
export const INSERT_SQL =
  `INSERT INTO request_logs (${FIELDS.map(([, [column]]) => column).join(", ")}) ` +
  `SELECT ${FIELDS.map(([field]) => `r."${field}"`).join(", ")} ` +
  `FROM jsonb_to_recordset($1::jsonb) AS r(${FIELDS.map(([field, [, type]]) => `"${field}" ${type}`).join(", ")}) ` +
  `ON CONFLICT DO NOTHING`;

/** Inserts records with one statement; resolves with the number of new rows (the others were there already). */
export async function insertRequestLogs(db: Db, records: readonly RequestLogJob[]): Promise<number> {
  return db.$executeRawUnsafe(INSERT_SQL, JSON.stringify(records));
}

/** A record as a Prisma row (tests and tools that write one with Prisma). */
export function toRow(job: RequestLogJob): Prisma.RequestLogCreateManyInput {
  return {
    ...job,
    createdAt: new Date(job.createdAt),
    response: job.response ?? Prisma.DbNull,
    costMicros: BigInt(job.costMicros),
  };
}

/** How Prisma reports a raw statement Postgres refused (P2010), through the pg driver adapter. */
const RawQueryFailure = z.object({
  driverAdapterError: z.object({
    cause: z.object({ originalCode: z.string(), originalMessage: z.string().optional() }),
  }),
});

/**
 * SQLSTATE classes caused by the rows themselves, which no retry can fix:
 * 22 data exception, 23 integrity constraint violation, 54 program limit
 * exceeded (a batch too large for one statement is split too).
 */
const DATA_CLASSES = new Set(["22", "23", "54"]);

export interface DataProblem {
  code: string;
  message: string;
}

/** The SQLSTATE and message when Postgres refused the statement because of the data; null for anything else (retry). */
export function dataProblemOf(err: unknown): DataProblem | null {
  if (!(err instanceof Prisma.PrismaClientKnownRequestError) || err.code !== "P2010") return null;
  const meta = RawQueryFailure.safeParse(err.meta);
  if (!meta.success) return null;
  const { originalCode, originalMessage } = meta.data.driverAdapterError.cause;
  if (!DATA_CLASSES.has(originalCode.slice(0, 2))) return null;
  // The message only (never Postgres's detail/context, which may quote the data).
  return { code: originalCode, message: (originalMessage ?? "").slice(0, 200) };
}

interface Indexed {
  index: number;
  record: RequestLogJob;
}

interface Refused extends DataProblem {
  index: number;
}

export interface InsertOutcome {
  inserted: number;
  refused: Refused[];
}

/**
 * Inserts the rows with one statement; when Postgres refuses it because of
 * the data, splits the rows in halves and tries each, down to single rows,
 * so only the bad rows are left out (k bad rows among n: about 2k·log2(n)
 * statements). Throws anything that is not about the data.
 */
export async function insertIsolating(insert: (records: RequestLogJob[]) => Promise<number>, rows: readonly Indexed[]): Promise<InsertOutcome> {
  if (rows.length === 0) return { inserted: 0, refused: [] };
  try {
    return { inserted: await insert(rows.map((r) => r.record)), refused: [] };
  } catch (err) {
    const problem = dataProblemOf(err);
    if (!problem) throw err;
    const [only] = rows;
    if (rows.length === 1 && only) return { inserted: 0, refused: [{ index: only.index, ...problem }] };
    const half = Math.ceil(rows.length / 2);
    const first = await insertIsolating(insert, rows.slice(0, half));
    const second = await insertIsolating(insert, rows.slice(half));
    return { inserted: first.inserted + second.inserted, refused: [...first.refused, ...second.refused] };
  }
}

/** What a completed job returns (kept by BullMQ as the job's return value). */
export interface RequestLogJobResult {
  records: number;
  /** New rows. */
  written: number;
  /** Records already stored (a retried job, a replayed spool). */
  duplicates: number;
  /** Records sent on as jobs of their own (which fail there). */
  rejected: number;
}

/** A record that one job should carry alone. */
export interface SplitOffJob {
  jobId: string;
  records: unknown[];
}

export interface RequestLogProcessorDeps {
  db: Db;
  /**
   * Enqueues each rejected record as a job of its own in the request-log
   * queue (idempotent: the job id is fixed, BullMQ ignores a known id).
   */
  splitOff(jobs: SplitOffJob[]): Promise<void>;
  /** Tests: the statement that writes a batch (default: insertRequestLogs on `db`). */
  insert?: (records: RequestLogJob[]) => Promise<number>;
  /**
   * Runs once the batch is stored, with the stored records: feeds the
   * moderation queue (guards, issue 6) and the usage roll-up (issue 5). A
   * failure retries the job (the insert is idempotent); a hook that must not
   * hold the batch back catches its own errors (workers/processors.ts).
   */
  afterWrite?: (records: RequestLogJob[]) => Promise<void>;
}

function describeIssue(error: z.ZodError): string {
  const first = error.issues[0];
  const where = first?.path.length ? `${first.path.join(".")}: ` : "";
  return `${where}${first?.message ?? "invalid"}`;
}

function requestIdOf(raw: unknown): string | undefined {
  if (typeof raw !== "object" || raw === null || !("id" in raw)) return undefined;
  return typeof raw.id === "string" ? raw.id.slice(0, 64) : undefined;
}

/**
 * The records of a job: a batch (`{ records }`), or a single record, as jobs
 * were enqueued before batching (still in the queue during an upgrade:
 * written as a batch of one). Anything else is an unrecoverable job error.
 */
function recordsOf(data: unknown): unknown[] {
  const batch = RequestLogBatchEnvelope.safeParse(data);
  if (batch.success) return batch.data.records;
  if (typeof data === "object" && data !== null && !Array.isArray(data) && !("records" in data) && "id" in data) return [data];
  throw new UnrecoverableError(`invalid request-log payload (${describeIssue(batch.error)})`);
}

export function createRequestLogProcessor(deps: RequestLogProcessorDeps): JobProcessor {
  const insert = deps.insert ?? ((records: RequestLogJob[]) => insertRequestLogs(deps.db, records));
  return {
    async process(job: Job): Promise<RequestLogJobResult> {
      const raw = recordsOf(job.data);

      const valid: Indexed[] = [];
      const rejected: Array<{ index: number; reason: string }> = [];
      raw.forEach((value, index) => {
        const parsed = RequestLogJob.safeParse(value);
        if (parsed.success) valid.push({ index, record: parsed.data });
        else rejected.push({ index, reason: `invalid request-log payload (${describeIssue(parsed.error)})` });
      });

      const outcome = await insertIsolating(insert, valid);
      for (const r of outcome.refused) rejected.push({ index: r.index, reason: `request log cannot be stored (${r.code}: ${r.message})` });
      if (deps.afterWrite && valid.length > outcome.refused.length) {
        const refused = new Set(outcome.refused.map((r) => r.index));
        await deps.afterWrite(valid.filter((v) => !refused.has(v.index)).map((v) => v.record));
      }

      if (rejected.length > 0) {
        const [only] = rejected;
        if (raw.length === 1 && only) throw new UnrecoverableError(only.reason);
        rejected.sort((a, b) => a.index - b.index);
        await deps.splitOff(rejected.map((r) => ({ jobId: `${job.id ?? "batch"}-${r.index}`, records: [raw[r.index]] })));
        for (const r of rejected) {
          log("error", "worker.request_log_rejected", { jobId: job.id, splitOffJobId: `${job.id ?? "batch"}-${r.index}`, requestId: requestIdOf(raw[r.index]), reason: r.reason });
        }
      }
      return {
        records: raw.length,
        written: outcome.inserted,
        duplicates: valid.length - outcome.refused.length - outcome.inserted,
        rejected: rejected.length,
      };
    },
  };
}
