/**
 * Cost aggregation for real: request logs go through the real request-log
 * path (the queue, the worker process, its INSERT), the worker enqueues the
 * roll-up of the hours they touched, and the roll-ups must match the sum of
 * the rows in request_logs to the micro-dollar, in every dimension.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb, type Db } from "@/lib/db";
import { newId } from "@/lib/ids";
import { closeProducerConnection, closeQueues } from "@/lib/queues";
import { enqueueRequestLogs, RequestLogJob, type RequestLogJobInput } from "@/lib/queues/request-log";
import { childEnv, eventually, spawnEntry, type Child } from "@/lib/testing/spawn";
import { NONE, rollUpHours } from "@/lib/usage/aggregate";

let db: Db;
let tenantId: string;
let worker: Child | undefined;

const HOUR = 3_600_000;
// Two hours on each side of the latest UTC midnight: two hours and two days.
const midnight = Math.floor(Date.now() / (24 * HOUR)) * 24 * HOUR;
const times = [midnight - 2 * HOUR + 60_000, midnight - HOUR + 5_000, midnight + 1_000, midnight + 2 * HOUR - 1];

let seq = 0;
function record(overrides: Partial<RequestLogJobInput>): RequestLogJob {
  seq += 1;
  return RequestLogJob.parse({
    id: newId("request"),
    createdAt: new Date(times[seq % times.length] ?? midnight).toISOString(),
    tenantId,
    endpoint: "chat.completions",
    model: "gpt-4o-mini",
    status: "ok",
    httpStatus: 200,
    request: { messages: [{ role: "user", content: "hi" }] },
    latencyMs: 10,
    ...overrides,
  });
}

interface Row {
  granularity: string;
  bucket_start: Date;
  feature_id: string;
  model: string;
  api_key_id: string;
  end_user_id: string;
  requests: number;
  errors: number;
  cache_hits: number;
  prompt_tokens: bigint;
  completion_tokens: bigint;
  cost_micros: bigint;
  saved_micros: bigint;
  id: string;
}

async function rollups(): Promise<Row[]> {
  return db.$queryRawUnsafe<Row[]>(
    `SELECT id, granularity, bucket_start, feature_id, model, api_key_id, end_user_id, requests, errors, cache_hits, prompt_tokens, completion_tokens, cost_micros, saved_micros
     FROM usage_rollups WHERE tenant_id = $1 ORDER BY granularity, bucket_start, feature_id, model, api_key_id, end_user_id`,
    tenantId,
  );
}

beforeAll(async () => {
  db = createDb();
  tenantId = newId("tenant");
  await db.tenant.create({ data: { id: tenantId, slug: `usage-${tenantId.slice(-8)}`, name: "Usage" } });
  worker = spawnEntry("workers/index.ts", childEnv({ LOG_LEVEL: "info" }));
  await worker.waitFor(/Gatehouse worker running: .*usage-rollup/);
});

afterAll(async () => {
  if (process.env.DEBUG_WORKER) process.stderr.write(`${worker?.stdout() ?? ""}\n${worker?.stderr() ?? ""}\n`);
  worker?.kill();
  await closeQueues();
  await closeProducerConnection();
  await db.$disconnect();
});

describe("usage roll-ups", () => {
  it("match the sum of request costs to the micro-dollar, per hour and day, in every dimension", async () => {
    const fa = newId("feature");
    const fb = newId("feature");
    await db.feature.createMany({ data: [{ id: fa, tenantId, key: `a-${fa.slice(-6)}`, name: "A" }, { id: fb, tenantId, key: `b-${fb.slice(-6)}`, name: "B" }] });
    const records: RequestLogJob[] = [];
    for (let i = 0; i < 120; i++) {
      records.push(
        record({
          featureId: i % 3 === 0 ? null : i % 3 === 1 ? fa : fb,
          model: i % 4 === 0 ? "claude-haiku" : "gpt-4o-mini",
          apiKeyId: i % 2 === 0 ? "key_one" : "key_two",
          endUserId: i % 5 === 0 ? null : `user-${i % 7}`,
          status: i % 11 === 0 ? "error" : i % 13 === 0 ? "blocked" : "ok",
          errorCode: i % 13 === 0 ? "budget_exceeded" : null,
          cache: i % 6 === 0 ? "hit" : "miss",
          metadata: i % 6 === 0 ? { cache: { savedMicros: String(1_000 + i) } } : {},
          promptTokens: 100 + i,
          completionTokens: 7 * i,
          // Odd amounts, one beyond 2^53: the sums must be exact integers.
          costMicros: i === 7 ? "9007199254740993" : String(1_234_567 + i * 1_003),
        }),
      );
    }
    // Three batches, as the recorder sends them.
    await enqueueRequestLogs(records.slice(0, 50));
    await enqueueRequestLogs(records.slice(50, 100));
    await enqueueRequestLogs(records.slice(100));

    const expectedTotal = records.reduce((s, r) => s + BigInt(r.costMicros), 0n);
    const dayOf = (iso: string) => Math.floor(new Date(iso).getTime() / (24 * HOUR)) * 24 * HOUR;
    const hourOf = (iso: string) => Math.floor(new Date(iso).getTime() / HOUR) * HOUR;

    // Wait for the worker to store the logs and roll them up (the day totals reach the sum).
    await eventually(async () => {
      const rows = await rollups();
      const days = rows.filter((r) => r.granularity === "day" && r.feature_id === "" && r.model === "" && r.api_key_id === "" && r.end_user_id === "");
      const sum = days.reduce((s, r) => s + r.cost_micros, 0n);
      return sum === expectedTotal && days.reduce((s, r) => s + r.requests, 0) === records.length ? true : undefined;
    }, { what: "roll-ups to reach the sum of the request costs", timeoutMs: 30_000 });

    // The stored rows are the source of truth: compare with what SQL says of request_logs itself.
    const [stored] = await db.$queryRawUnsafe<Array<{ n: bigint; cost: bigint }>>(`SELECT count(*) AS n, sum(cost_micros)::bigint AS cost FROM request_logs WHERE tenant_id = $1`, tenantId);
    expect(stored?.n).toBe(120n);
    expect(stored?.cost).toBe(expectedTotal);

    const rows = await rollups();
    type Key = (r: RequestLogJob) => string;
    const dims: Array<{ name: string; pick: (row: Row) => string | null; key: Key }> = [
      { name: "feature", pick: (r) => (r.model === "" && r.api_key_id === "" && r.end_user_id === "" && r.feature_id !== "" ? r.feature_id : null), key: (r) => r.featureId ?? NONE },
      { name: "model", pick: (r) => (r.feature_id === "" && r.api_key_id === "" && r.end_user_id === "" && r.model !== "" ? r.model : null), key: (r) => r.model },
      { name: "api key", pick: (r) => (r.feature_id === "" && r.model === "" && r.end_user_id === "" && r.api_key_id !== "" ? r.api_key_id : null), key: (r) => r.apiKeyId ?? NONE },
      { name: "end user", pick: (r) => (r.feature_id === "" && r.model === "" && r.api_key_id === "" && r.end_user_id !== "" ? r.end_user_id : null), key: (r) => r.endUserId ?? NONE },
      { name: "feature x model", pick: (r) => (r.api_key_id === "" && r.end_user_id === "" && r.feature_id !== "" && r.model !== "" ? `${r.feature_id}/${r.model}` : null), key: (r) => `${r.featureId ?? NONE}/${r.model}` },
      { name: "total", pick: (r) => (r.feature_id === "" && r.model === "" && r.api_key_id === "" && r.end_user_id === "" ? "all" : null), key: () => "all" },
    ];
    for (const granularity of ["hour", "day"] as const) {
      const bucketOf = granularity === "hour" ? hourOf : dayOf;
      for (const dim of dims) {
        const expected = new Map<string, { requests: number; errors: number; hits: number; pt: bigint; ct: bigint; cost: bigint; saved: bigint }>();
        for (const r of records) {
          const k = `${bucketOf(r.createdAt)}|${dim.key(r)}`;
          const e = expected.get(k) ?? { requests: 0, errors: 0, hits: 0, pt: 0n, ct: 0n, cost: 0n, saved: 0n };
          e.requests += 1;
          if (r.status === "error" || r.status === "blocked") e.errors += 1;
          if (r.cache === "hit") {
            e.hits += 1;
            e.saved += BigInt(String((r.metadata.cache as { savedMicros: string }).savedMicros));
          }
          e.pt += BigInt(r.promptTokens);
          e.ct += BigInt(r.completionTokens);
          e.cost += BigInt(r.costMicros);
          expected.set(k, e);
        }
        const actual = new Map<string, { requests: number; errors: number; hits: number; pt: bigint; ct: bigint; cost: bigint; saved: bigint }>();
        for (const row of rows.filter((r) => r.granularity === granularity)) {
          const k = dim.pick(row);
          if (k === null) continue;
          actual.set(`${row.bucket_start.getTime()}|${k}`, {
            requests: row.requests,
            errors: row.errors,
            hits: row.cache_hits,
            pt: row.prompt_tokens,
            ct: row.completion_tokens,
            cost: row.cost_micros,
            saved: row.saved_micros,
          });
        }
        expect(actual, `${granularity} by ${dim.name}`).toEqual(expected);
      }
    }
    expect(new Set(rows.filter((r) => r.granularity === "hour").map((r) => r.bucket_start.getTime())).size).toBe(4);
    expect(new Set(rows.filter((r) => r.granularity === "day").map((r) => r.bucket_start.getTime())).size).toBe(2);

    // Idempotent: recomputing every bucket again gives the very same rows (ids included).
    await rollUpHours(db, tenantId, times.map((t) => new Date(t)));
    await rollUpHours(db, tenantId, times.map((t) => new Date(t)));
    const again = await rollups();
    expect(again).toEqual(rows);
  }, 90_000);
});
