/**
 * The worker process for real: workers/index.ts as a child process, jobs
 * through the test Redis, rows in the test Postgres.
 */
import { Job, Queue } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb, type Db } from "@/lib/db";
import { newId } from "@/lib/ids";
import { closeProducerConnection, closeQueues } from "@/lib/queues";
import { createRedis } from "@/lib/redis";
import { enqueueRequestLog, requestLogQueue, type RequestLogJobInput } from "@/lib/queues/request-log";
import { childEnv, eventually, spawnEntry, type Child } from "@/lib/testing/spawn";

let db: Db;
let tenantId: string;
let worker: Child | undefined;
let rawQueue: Queue;
const redis = createRedis({ maxRetriesPerRequest: null });

function record(overrides: Partial<RequestLogJobInput> = {}): RequestLogJobInput {
  return {
    id: newId("request"),
    createdAt: new Date().toISOString(),
    tenantId,
    endpoint: "chat.completions",
    model: "support-reply",
    servedBy: "sim-openai/gpt-4o-mini",
    status: "fallback",
    httpStatus: 200,
    fallbackReason: "primary timed out",
    request: { messages: [{ role: "user", content: "Hello [EMAIL_1]" }] },
    response: { choices: [{ message: { role: "assistant", content: "Hi" } }] },
    contextDocs: [{ id: "doc-1", source: "kb/returns.md", text: "Returns within 30 days", score: 0.82 }],
    attempts: [
      { target: "sim-openai/gpt-4o", status: "timeout", errorClass: "timeout", latencyMs: 30_000 },
      { target: "sim-openai/gpt-4o-mini", status: "ok", httpStatus: 200, latencyMs: 420, ttftMs: 120 },
    ],
    guardVerdicts: [{ guard: "pii", stage: "input", action: "redact", score: 1 }],
    redactions: [{ type: "email", count: 1 }],
    promptTokens: 12,
    completionTokens: 3,
    costMicros: "9007199254740993", // > 2^53: survives only as a string
    latencyMs: 30_450,
    ttftMs: 30_120,
    ...overrides,
  };
}

function startWorker(overrides: Record<string, string> = {}): Child {
  return spawnEntry("workers/index.ts", childEnv({ GATEHOUSE_REQUEST_LOG_BATCH_WAIT_MS: "20", ...overrides }));
}

/** The job's state, then its data (read in this order, so a finished state comes with its final data). */
async function jobState(id: string): Promise<{ state: string; job: Job | undefined }> {
  const state = await rawQueue.getJobState(id);
  return { state, job: await Job.fromId(rawQueue, id) };
}

beforeAll(async () => {
  db = createDb();
  tenantId = newId("tenant");
  await db.tenant.create({ data: { id: tenantId, slug: `logs-${tenantId.slice(-8)}`, name: "Logs" } });
  // Untyped, so tests can add payloads the typed producer would refuse; same job options.
  rawQueue = new Queue(requestLogQueue.name, { connection: redis, defaultJobOptions: requestLogQueue.defaultJobOptions });
  await rawQueue.obliterate({ force: true });
  worker = startWorker();
  await worker.waitFor(/Gatehouse worker running: request-log \(concurrency \d+\)/);
});

afterAll(async () => {
  worker?.kill();
  await rawQueue?.close();
  await closeQueues();
  await closeProducerConnection();
  redis.disconnect();
  await db?.$disconnect();
});

describe("request-log worker", () => {
  it("writes enqueued records to request_logs", async () => {
    const jobs = Array.from({ length: 25 }, (_, i) => record({ latencyMs: i }));
    await Promise.all(jobs.map((j) => enqueueRequestLog(j)));

    await eventually(
      async () => ((await db.requestLog.count({ where: { tenantId } })) >= jobs.length ? true : undefined),
      { what: "25 request_logs rows" },
    );
    expect(await db.requestLog.count({ where: { tenantId } })).toBe(25);

    const first = jobs[0];
    if (!first) throw new Error("no job");
    const row = await db.requestLog.findUniqueOrThrow({ where: { id: first.id } });
    expect(row).toMatchObject({
      tenantId,
      endpoint: "chat.completions",
      model: "support-reply",
      status: "fallback",
      httpStatus: 200,
      fallbackReason: "primary timed out",
      featureId: null,
      promptTokens: 12,
      completionTokens: 3,
      cachedTokens: 0,
      costMicros: 9007199254740993n,
      latencyMs: 0,
      ttftMs: 30_120,
      streamed: false,
    });
    expect(row.createdAt.toISOString()).toBe(first.createdAt);
    expect(row.attempts).toEqual([
      { target: "sim-openai/gpt-4o", status: "timeout", httpStatus: null, errorClass: "timeout", latencyMs: 30_000, ttftMs: null },
      { target: "sim-openai/gpt-4o-mini", status: "ok", httpStatus: 200, errorClass: null, latencyMs: 420, ttftMs: 120 },
    ]);
    expect(row.contextDocs).toEqual([{ id: "doc-1", source: "kb/returns.md", text: "Returns within 30 days", score: 0.82 }]);
    expect(row.redactions).toEqual([{ type: "email", count: 1 }]);
    expect(row.guardVerdicts).toEqual([{ guard: "pii", stage: "input", action: "redact", score: 1, reason: null }]);
  });

  it("stores a record delivered twice once (a retried or replayed job)", async () => {
    const rec = record();
    await enqueueRequestLog(rec);
    // The same record under another job id, as after a spool replay: the worker writes it again.
    await rawQueue.add(requestLogQueue.jobName, rec, { jobId: `replay-${rec.id}` });
    await eventually(async () => ((await jobState(`replay-${rec.id}`)).state === "completed" ? true : undefined), {
      what: "replayed job completed",
    });
    await eventually(async () => ((await jobState(rec.id)).state === "completed" ? true : undefined), { what: "first job completed" });
    expect(await db.requestLog.count({ where: { id: rec.id } })).toBe(1);
  });

  it("rejects a malformed record on enqueue", async () => {
    await expect(enqueueRequestLog({ ...record(), httpStatus: 42 })).rejects.toThrow(/httpStatus/);
    await expect(enqueueRequestLog({ ...record(), costMicros: "-5" })).rejects.toThrow(/costMicros/);
  });

  it("fails a bad payload at once, without retries", async () => {
    const id = `bad-${newId("request")}`;
    await rawQueue.add(requestLogQueue.jobName, { id: "not-a-request-id", tenantId }, { jobId: id });
    const { job } = await eventually(
      async () => {
        const s = await jobState(id);
        return s.state === "failed" ? s : undefined;
      },
      { what: "bad job failed" },
    );
    expect(job?.opts.attempts).toBe(8); // it would have been retried had the error been recoverable
    expect(job?.attemptsMade).toBe(1);
    expect(job?.failedReason).toMatch(/invalid request-log payload/);
  });

  it("on SIGTERM finishes the job in hand, then exits 0", async () => {
    // Stop the first worker (graceful too), then start one whose batches wait a minute,
    // so a job stays in hand until the shutdown drains it.
    worker?.proc.kill("SIGTERM");
    expect(await worker?.exited()).toBe(0);
    worker = startWorker({ GATEHOUSE_REQUEST_LOG_BATCH_WAIT_MS: "60000", LOG_LEVEL: "info" });
    await worker.waitFor(/Gatehouse worker running/);

    const rec = record();
    await enqueueRequestLog(rec);
    await eventually(async () => ((await jobState(rec.id)).state === "active" ? true : undefined), { what: "job in hand" });
    expect(await db.requestLog.count({ where: { id: rec.id } })).toBe(0);

    worker.proc.kill("SIGTERM");
    expect(await worker.exited(20_000)).toBe(0);
    expect(await db.requestLog.count({ where: { id: rec.id } })).toBe(1);
    expect((await jobState(rec.id)).state).toBe("completed");
    expect(worker.stdout()).toContain('"event":"worker.closed"');
  });
});
