import type { Job } from "bullmq";
import { describe, expect, it } from "vitest";
import { Prisma } from "@/lib/generated/prisma/client";
import { newId } from "@/lib/ids";
import { RequestLogJob } from "@/lib/queues/request-log";
import { createRequestLogProcessor, dataProblemOf, INSERT_SQL, insertIsolating, type SplitOffJob } from "@/workers/request-log";

// Pure logic of the worker: how a batch is split when Postgres refuses it. The
// statement itself, against the real Postgres and Redis: request-log.int.test.ts.

function pgError(sqlstate: string, message = "refused"): Prisma.PrismaClientKnownRequestError {
  return new Prisma.PrismaClientKnownRequestError(`Raw query failed. Code: \`${sqlstate}\`.`, {
    code: "P2010",
    clientVersion: "test",
    meta: { driverAdapterError: { name: "DriverAdapterError", cause: { originalCode: sqlstate, originalMessage: message, kind: "postgres" } } },
  });
}

function record(n: number): RequestLogJob {
  return RequestLogJob.parse({
    id: newId("request"),
    createdAt: "2026-11-23T06:00:00.000Z",
    tenantId: "ten_1",
    endpoint: "chat.completions",
    model: "m",
    status: "ok",
    httpStatus: 200,
    request: {},
    latencyMs: n,
  });
}

/** A stand-in statement: refuses (like Postgres, the whole statement) any batch holding a record in `bad`. */
function statement(bad: Set<number>, error: () => Error = () => pgError("23503", "violates foreign key constraint")) {
  const calls: number[][] = [];
  const insert = async (records: RequestLogJob[]): Promise<number> => {
    calls.push(records.map((r) => r.latencyMs));
    if (records.some((r) => bad.has(r.latencyMs))) throw error();
    return records.length;
  };
  return { calls, insert };
}

const indexed = (n: number) => Array.from({ length: n }, (_, i) => ({ index: i, record: record(i) }));

describe("dataProblemOf", () => {
  it.each(["22001", "22003", "22P02", "22P05", "23503", "23514", "54000"])("%s is about the data", (code) => {
    expect(dataProblemOf(pgError(code, "m"))).toEqual({ code, message: "m" });
  });

  it.each(["08006", "40001", "40P01", "53300", "57P01", "XX000"])("%s is not (retry the job)", (code) => {
    expect(dataProblemOf(pgError(code))).toBeNull();
  });

  it("anything but a refused raw statement is not", () => {
    expect(dataProblemOf(new Error("Connection terminated"))).toBeNull();
    expect(dataProblemOf(new Prisma.PrismaClientKnownRequestError("x", { code: "P1001", clientVersion: "test" }))).toBeNull();
    expect(dataProblemOf(new Prisma.PrismaClientKnownRequestError("x", { code: "P2010", clientVersion: "test", meta: {} }))).toBeNull();
  });
});

describe("insertIsolating", () => {
  it("writes a good batch with one statement", async () => {
    const s = statement(new Set());
    expect(await insertIsolating(s.insert, indexed(8))).toEqual({ inserted: 8, refused: [] });
    expect(s.calls).toHaveLength(1);
  });

  it("isolates the bad rows by halving, writing every other row", async () => {
    const s = statement(new Set([2, 5]));
    const out = await insertIsolating(s.insert, indexed(8));
    expect(out.inserted).toBe(6);
    expect(out.refused.map((r) => r.index)).toEqual([2, 5]);
    expect(out.refused[0]).toMatchObject({ code: "23503" });
    // Every good row written exactly once, bad rows never.
    const written = s.calls.filter((c) => !c.some((n) => n === 2 || n === 5)).flat();
    expect(written.sort((a, b) => a - b)).toEqual([0, 1, 3, 4, 6, 7]);
    // 1 + 2 + 4 + 4 statements, far fewer than one per row plus the failed batch.
    expect(s.calls.length).toBeLessThanOrEqual(11);
  });

  it("one bad row among 200 costs a handful of statements", async () => {
    const s = statement(new Set([137]));
    const out = await insertIsolating(s.insert, indexed(200));
    expect(out).toMatchObject({ inserted: 199, refused: [{ index: 137 }] });
    expect(s.calls.length).toBeLessThanOrEqual(1 + 2 * Math.ceil(Math.log2(200)));
  });

  it("throws a failure that is not about the data (the job is retried whole)", async () => {
    const s = statement(new Set([3]), () => pgError("57P01", "terminating connection"));
    await expect(insertIsolating(s.insert, indexed(8))).rejects.toThrow(/57P01/);
    expect(s.calls).toHaveLength(1);
  });
});

describe("the processor", () => {
  function processor(bad = new Set<number>()) {
    const s = statement(bad);
    const splitOff: SplitOffJob[][] = [];
    const p = createRequestLogProcessor({
      db: undefined as never, // never used: the statement is given
      insert: s.insert,
      splitOff: async (jobs) => {
        splitOff.push(jobs);
      },
    });
    return { p, s, splitOff };
  }
  const job = (data: unknown, id = "rlb_test") => ({ id, data }) as Job;

  it("sends each refused record on alone, as it came, and completes the batch", async () => {
    const { p, s, splitOff } = processor(new Set([3]));
    const records: unknown[] = [record(0), record(1), { ...record(2), httpStatus: 42 }, record(3), record(4)];
    const wire = JSON.parse(JSON.stringify(records)) as unknown[];
    const result = await p.process(job({ records: wire }));
    expect(result).toEqual({ records: 5, written: 3, duplicates: 0, rejected: 2 });
    expect(splitOff).toEqual([
      [
        { jobId: "rlb_test-2", records: [wire[2]] },
        { jobId: "rlb_test-3", records: [wire[3]] },
      ],
    ]);
    expect(s.calls.flat()).not.toContain(42);
  });

  it("fails a batch of one whose record is refused, as unrecoverable", async () => {
    const { p, splitOff } = processor();
    await expect(p.process(job({ records: [{ ...record(0), httpStatus: 42 }] }))).rejects.toMatchObject({
      name: "UnrecoverableError",
      message: expect.stringMatching(/invalid request-log payload \(httpStatus: /),
    });
    const db = processor(new Set([0]));
    await expect(db.p.process(job({ records: [JSON.parse(JSON.stringify(record(0)))] }))).rejects.toMatchObject({
      name: "UnrecoverableError",
      message: expect.stringMatching(/request log cannot be stored \(23503: /),
    });
    expect(splitOff).toEqual([]);
  });

  it("fails a job that is not a batch, as unrecoverable", async () => {
    const { p } = processor();
    for (const data of [{ tenantId: "ten_1" }, { records: [] }, { records: "x" }, [record(0)], "x", null]) {
      await expect(p.process(job(data))).rejects.toMatchObject({ name: "UnrecoverableError", message: expect.stringMatching(/^invalid request-log payload \(/) });
    }
  });

  it("takes a job of the older shape (one record, before batching) as a batch of one", async () => {
    const { p, s } = processor();
    const one = record(7);
    expect(await p.process(job(JSON.parse(JSON.stringify(one)), one.id))).toEqual({ records: 1, written: 1, duplicates: 0, rejected: 0 });
    expect(s.calls).toEqual([[7]]);
    await expect(p.process(job({ ...one, httpStatus: 42 }, one.id))).rejects.toMatchObject({
      name: "UnrecoverableError",
      message: expect.stringMatching(/^invalid request-log payload \(httpStatus: /),
    });
  });

  it("counts rows already stored as duplicates", async () => {
    const p = createRequestLogProcessor({ db: undefined as never, insert: async (r) => r.length - 1, splitOff: async () => undefined });
    expect(await p.process(job({ records: [record(0), record(1)].map((r) => JSON.parse(JSON.stringify(r)) as unknown) }))).toEqual({
      records: 2,
      written: 1,
      duplicates: 1,
      rejected: 0,
    });
  });
});

describe("INSERT_SQL", () => {
  it("names every column once, takes one parameter, and skips rows already stored", () => {
    expect(INSERT_SQL).toMatch(/^INSERT INTO request_logs \(id, created_at, tenant_id, .*, metadata\) SELECT r\."id", r\."createdAt", /);
    expect(INSERT_SQL).toContain('FROM jsonb_to_recordset($1::jsonb) AS r("id" text, "createdAt" timestamptz, ');
    expect(INSERT_SQL).toContain('"status" "RequestStatus"');
    expect(INSERT_SQL).toContain('"costMicros" int8');
    expect(INSERT_SQL.match(/\$\d/g)).toEqual(["$1"]);
    expect(INSERT_SQL).toMatch(/ ON CONFLICT DO NOTHING$/);
  });
});
