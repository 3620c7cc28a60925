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
import { enqueueRequestLog, enqueueRequestLogs, RequestLogJob, requestLogQueue, type RequestLogJobInput } from "@/lib/queues/request-log";
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
    guardVerdicts: [{ guard: "pii", stage: "input", verdict: "redact", score: 1, spans: [{ start: 6, end: 15, type: "email" }], latencyMs: 0.05 }],
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
  // Info level: the tests read its lifecycle and rejection events.
  return spawnEntry("workers/index.ts", childEnv({ LOG_LEVEL: "info", ...overrides }));
}

/** A job's state once it is `state`. */
async function settledAs(id: string, state: "completed" | "failed"): Promise<Job> {
  const s = await eventually(async () => {
    const js = await jobState(id);
    return js.state === state ? js : undefined;
  }, { what: `job ${id} ${state}` });
  if (!s.job) throw new Error(`job ${id} is gone`);
  return s.job;
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
  it("writes a batch of records with one job", async () => {
    const jobs = Array.from({ length: 25 }, (_, i) => record({ latencyMs: i }));
    const jobId = await enqueueRequestLogs(jobs.map((j) => RequestLogJob.parse(j)));
    expect(jobId).toMatch(/^rlb_/);
    const done = await settledAs(jobId, "completed");
    expect(done.returnvalue).toEqual({ records: 25, written: 25, duplicates: 0, rejected: 0 });
    expect(await db.requestLog.count({ where: { tenantId } })).toBe(25);
    const first = jobs[0];
    if (!first) throw new Error("no job");
    const row = await db.requestLog.findUniqueOrThrow({ where: { id: first.id } });
    expect(row).toMatchObject({
      tenantId,
      endpoint: "chat.completions",
      model: "support-reply",
      servedBy: "sim-openai/gpt-4o-mini",
      status: "fallback",
      httpStatus: 200,
      errorCode: null,
      fallbackReason: "primary timed out",
      featureId: null,
      apiKeyId: null,
      endUserId: null,
      promptVersionId: null,
      cache: null,
      promptTokens: 12,
      completionTokens: 3,
      cachedTokens: 0,
      reasoningTokens: 0,
      costMicros: 9007199254740993n,
      latencyMs: 0,
      ttftMs: 30_120,
      streamed: false,
      metadata: {},
    });
    expect(row.createdAt.toISOString()).toBe(first.createdAt);
    expect(row.request).toEqual({ messages: [{ role: "user", content: "Hello [EMAIL_1]" }] });
    expect(row.response).toEqual({ choices: [{ message: { role: "assistant", content: "Hi" } }] });
    expect(row.attempts).toEqual([
      { target: "sim-openai/gpt-4o", status: "timeout", httpStatus: null, errorClass: "timeout", latencyMs: 30_000, ttftMs: null },
      { target: "sim-openai/gpt-4o-mini", status: "ok", httpStatus: 200, errorClass: null, latencyMs: 420, ttftMs: 120 },
    ]);
    expect(row.contextDocs).toEqual([{ id: "doc-1", source: "kb/returns.md", text: "Returns within 30 days", score: 0.82 }]);
    expect(row.redactions).toEqual([{ type: "email", count: 1 }]);
    expect(row.guardVerdicts).toEqual([{ guard: "pii", stage: "input", verdict: "redact", score: 1, spans: [{ start: 6, end: 15, type: "email" }], latencyMs: 0.05 }]);
    // A record with the optional columns set and the JSON ones empty or null.
    const other = record({ featureId: "fea_x", endUserId: "user-7", streamed: true, response: null, errorCode: "e", cache: "exact", metadata: { a: [1, "b", null] } });
    await settledAs(await enqueueRequestLog(other), "completed");
    expect(await db.requestLog.findUniqueOrThrow({ where: { id: other.id } })).toMatchObject({
      featureId: "fea_x",
      endUserId: "user-7",
      streamed: true,
      response: null,
      errorCode: "e",
      cache: "exact",
      metadata: { a: [1, "b", null] },
    });
  });

  it("stores a record delivered twice once (a retried job, a replayed spool)", async () => {
    const rec = record();
    const fresh = record();
    await settledAs(await enqueueRequestLog(rec), "completed");
    // The same record again in another batch, as after a spool replay: written once, counted as a duplicate.
    const again = await enqueueRequestLogs([rec, fresh].map((r) => RequestLogJob.parse(r)));
    expect((await settledAs(again, "completed")).returnvalue).toEqual({ records: 2, written: 1, duplicates: 1, rejected: 0 });
    expect(await db.requestLog.count({ where: { id: { in: [rec.id, fresh.id] } } })).toBe(2);
  });

  it("rejects a malformed record on enqueue", async () => {
    await expect(enqueueRequestLog({ ...record(), httpStatus: 42 })).rejects.toThrow(/httpStatus/);
    await expect(enqueueRequestLog({ ...record(), costMicros: "-5" })).rejects.toThrow(/costMicros/);
    await expect(enqueueRequestLogs([])).rejects.toThrow(RangeError);
  });

  it("fails a bad payload at once, without retries", async () => {
    const id = `bad-${newId("request")}`;
    await rawQueue.add(requestLogQueue.jobName, { tenantId, records: "not a batch" }, { jobId: id });
    const job = await settledAs(id, "failed");
    expect(job.opts.attempts).toBe(8); // it would have been retried had the error been recoverable
    expect(job.attemptsMade).toBe(1);
    expect(job.failedReason).toMatch(/invalid request-log payload \(records: /);

    // A batch of one whose record is invalid fails itself, the same way.
    const one = `bad-one-${newId("request")}`;
    await rawQueue.add(requestLogQueue.jobName, { records: [{ ...record(), httpStatus: 42 }] }, { jobId: one });
    const failed = await settledAs(one, "failed");
    expect(failed.attemptsMade).toBe(1);
    expect(failed.failedReason).toMatch(/invalid request-log payload \(httpStatus: /);
  });

  it("writes a job of the older shape (one record per job, enqueued before batching)", async () => {
    const rec = record();
    await rawQueue.add(requestLogQueue.jobName, rec, { jobId: rec.id });
    expect((await settledAs(rec.id, "completed")).returnvalue).toEqual({ records: 1, written: 1, duplicates: 0, rejected: 0 });
    expect(await db.requestLog.count({ where: { id: rec.id } })).toBe(1);
  });

  it("a batch with an invalid record and one Postgres refuses writes the others and fails only those two", async () => {
    const good = [record(), record(), record()];
    const invalid = { ...record(), httpStatus: 42 }; // refused by the schema
    const orphan = record({ tenantId: newId("tenant") }); // valid, but its tenant does not exist: refused by Postgres (23503)
    const [g0, g1, g2] = good;
    if (!g0 || !g1 || !g2) throw new Error("no records");
    const batch = `rlb-mixed-${newId("request")}`;
    await rawQueue.add(requestLogQueue.jobName, { records: [g0, invalid, g1, orphan, g2] }, { jobId: batch });

    const done = await settledAs(batch, "completed");
    expect(done.returnvalue).toEqual({ records: 5, written: 3, duplicates: 0, rejected: 2 });
    expect(done.attemptsMade).toBe(1); // not retried: the bad records do not fail the batch
    expect(await db.requestLog.count({ where: { id: { in: good.map((g) => g.id) } } })).toBe(3);
    expect(await db.requestLog.count({ where: { id: { in: [invalid.id, orphan.id] } } })).toBe(0);

    // Each refused record failed alone, as a job of its own holding it as it came, not retried.
    const invalidJob = await settledAs(`${batch}-1`, "failed");
    expect(invalidJob.data).toEqual({ records: [JSON.parse(JSON.stringify(invalid))] });
    expect(invalidJob.failedReason).toMatch(/invalid request-log payload \(httpStatus: /);
    expect(invalidJob.attemptsMade).toBe(1);
    const orphanJob = await settledAs(`${batch}-3`, "failed");
    expect(orphanJob.data).toEqual({ records: [JSON.parse(JSON.stringify(orphan))] });
    expect(orphanJob.failedReason).toMatch(/request log cannot be stored \(23503: /);
    expect(orphanJob.attemptsMade).toBe(1);
    // And nothing else was split off.
    for (const i of [0, 2, 4]) expect(await rawQueue.getJob(`${batch}-${i}`)).toBeUndefined();
    // The worker's log reaches its stdout pipe asynchronously (and the split-off jobs may fail, and log, first): wait for the line.
    await eventually(async () => (worker?.stdout().includes('"event":"worker.request_log_rejected"') ? true : undefined), {
      what: "the rejection in the worker's log",
    });
  });

  it("on SIGTERM finishes the job in hand, then exits 0", async () => {
    // A job stays in hand while its INSERT waits: a transaction here holds its tenant's row
    // FOR UPDATE, and the insert's foreign-key check (FOR KEY SHARE) waits for it.
    const lockedTenant = newId("tenant");
    await db.tenant.create({ data: { id: lockedTenant, slug: `logs-${lockedTenant.slice(-8)}`, name: "Locked" } });
    let release: () => void = () => undefined;
    const released = new Promise<void>((resolve) => (release = resolve));
    let holding: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (holding = resolve));
    const tx = db.$transaction(
      async (t) => {
        await t.$queryRaw`SELECT id FROM tenants WHERE id = ${lockedTenant} FOR UPDATE`;
        holding();
        await released;
      },
      { timeout: 60_000, maxWait: 10_000 },
    );
    try {
      await held;
      const rec = record({ tenantId: lockedTenant });
      const jobId = await enqueueRequestLog(rec);
      await eventually(async () => ((await jobState(jobId)).state === "active" ? true : undefined), { what: "job in hand" });
      // Its INSERT is in Postgres, waiting on the lock.
      await eventually(
        async () => {
          const waiting = await db.$queryRaw<Array<{ n: number }>>`
            SELECT count(*)::int AS n FROM pg_stat_activity
            WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE 'INSERT INTO request_logs%'`;
          return (waiting[0]?.n ?? 0) > 0 ? true : undefined;
        },
        { what: "the worker's INSERT waiting on the lock" },
      );

      worker?.proc.kill("SIGTERM");
      await worker?.waitFor(/"event":"worker\.closing"/);
      // Still running, the job still in hand, nothing written yet.
      expect(worker?.proc.exitCode).toBeNull();
      expect(await db.requestLog.count({ where: { id: rec.id } })).toBe(0);
      expect((await jobState(jobId)).state).toBe("active");

      release();
      await tx;
      expect(await worker?.exited(20_000)).toBe(0);
      expect(await db.requestLog.count({ where: { id: rec.id } })).toBe(1);
      expect((await jobState(jobId)).state).toBe("completed");
      expect(worker?.stdout()).toContain('"event":"worker.closed"');
    } finally {
      release();
      await tx.catch(() => undefined);
    }
  });
});
