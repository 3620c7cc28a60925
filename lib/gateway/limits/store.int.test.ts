/**
 * The atomic reserve / settle / seed scripts against the real Redis (the int
 * project's db). Time is injected (`now`): no sleeps, exact windows.
 */
import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BudgetEntry, RateLimitEntry } from "@/lib/gateway/config/types";
import { budgetCounter, rateCounters, WINDOW_MS, type Subject } from "@/lib/gateway/limits/plan";
import { raiseCounter, readCounters, reserve, seedCounter, settle, type ReserveRequest } from "@/lib/gateway/limits/store";
import { createRedis } from "@/lib/redis";

let redis: Redis;
beforeAll(() => {
  redis = createRedis({}, process.env.REDIS_URL);
});
afterAll(async () => {
  await redis.quit();
});

const T0 = 1_800_000_000_000;
const AT = new Date(T0);

function subject(): Subject {
  return { tenantId: `ten_${randomUUID()}`, apiKeyId: "key_a", featureId: "fea_a", endUserId: "user-1", ip: "10.0.0.1" };
}

function rate(s: Subject, fields: Partial<RateLimitEntry>): RateLimitEntry {
  return { id: `rtl_${randomUUID()}`, tenantId: s.tenantId, scope: "api_key", featureId: null, apiKeyId: null, requestsPerMinute: null, tokensPerMinute: null, maxConcurrent: null, ...fields };
}

function budget(s: Subject, fields: Partial<BudgetEntry>): BudgetEntry {
  return {
    id: `bdg_${randomUUID()}`,
    tenantId: s.tenantId,
    name: "test budget",
    scope: "tenant",
    featureId: null,
    apiKeyId: null,
    endUserId: null,
    period: "month",
    limitMicros: 1_000n,
    hard: true,
    alertThresholds: [],
    createdAt: new Date(0),
    ...fields,
  };
}

let seq = 0;
function request(s: Subject, opts: { rates?: RateLimitEntry[]; budgets?: BudgetEntry[]; cost?: bigint; tokens?: number; now: number }): ReserveRequest {
  const counters = rateCounters(opts.rates ?? [], s);
  return {
    tenantId: s.tenantId,
    reservationId: `rsv_${++seq}_${randomUUID()}`,
    requests: counters.filter((c) => c.limit.requestsPerMinute !== null).map((c) => ({ counter: c, limit: c.limit.requestsPerMinute as number })),
    tokens: counters.filter((c) => c.limit.tokensPerMinute !== null).map((c) => ({ counter: c, limit: c.limit.tokensPerMinute as number })),
    concurrency: counters.filter((c) => c.limit.maxConcurrent !== null).map((c) => ({ counter: c, limit: c.limit.maxConcurrent as number })),
    budgets: (opts.budgets ?? []).map((b) => ({ counter: budgetCounter(b, "-", AT), costMicros: opts.cost ?? 0n })),
    tokenAmount: opts.tokens ?? 0,
    leaseMs: 10_000,
    now: opts.now,
  };
}

describe("requests per minute", () => {
  it("admits exactly the limit in a rolling minute and says when the next one fits", async () => {
    const s = subject();
    const r = rate(s, { requestsPerMinute: 3 });
    const results = [];
    for (let i = 0; i < 3; i++) results.push(await reserve(redis, request(s, { rates: [r], now: T0 + i * 1_000 })));
    expect(results.map((x) => x.kind)).toEqual(["ok", "ok", "ok"]);
    expect(results[2]).toMatchObject({ requests: [{ used: 3, resetMs: WINDOW_MS }] });
    const refused = await reserve(redis, request(s, { rates: [r], now: T0 + 10_000 }));
    // the oldest (T0) leaves the window at T0 + 60 s: 50 s from now
    expect(refused).toMatchObject({ kind: "refused", reason: "requests", index: 0, retryMs: 50_000 });
    expect((await reserve(redis, request(s, { rates: [r], now: T0 + WINDOW_MS - 1 }))).kind).toBe("refused");
    expect((await reserve(redis, request(s, { rates: [r], now: T0 + WINDOW_MS + 1 }))).kind).toBe("ok");
    // refused requests were not counted: one slot freed, one taken
    expect((await reserve(redis, request(s, { rates: [r], now: T0 + WINDOW_MS + 2 }))).kind).toBe("refused");
  });
});

describe("tokens per minute", () => {
  it("counts reserved tokens, rewrites them at settle, and refuses a request larger than the limit for good", async () => {
    const s = subject();
    const r = rate(s, { tokensPerMinute: 1_000 });
    const a = request(s, { rates: [r], tokens: 600, now: T0 });
    expect((await reserve(redis, a)).kind).toBe("ok");
    const b = request(s, { rates: [r], tokens: 600, now: T0 + 1 });
    expect(await reserve(redis, b)).toMatchObject({ kind: "refused", reason: "tokens", retryMs: WINDOW_MS - 1 });
    // a used only 100 tokens: settle rewrites its entry, b fits now
    const counters = a.tokens.map((x) => x.counter);
    expect(await settle(redis, { tenantId: s.tenantId, reservationId: a.reservationId, costMicros: 0n, tokens: 100, tokenCounters: counters, reservedTokens: 600, concurrency: [], budgets: [] })).toBe(true);
    expect(await reserve(redis, b)).toMatchObject({ kind: "ok", tokens: [{ used: 700 }] });
    expect(await reserve(redis, request(s, { rates: [r], tokens: 1_001, now: T0 + 2 }))).toMatchObject({ kind: "refused", reason: "tokens", retryMs: -1 });
    // the window slides: everything gone after a minute
    expect(await reserve(redis, request(s, { rates: [r], tokens: 1_000, now: T0 + 1 + WINDOW_MS + 1 }))).toMatchObject({ kind: "ok", tokens: [{ used: 1_000 }] });
  });
});

describe("concurrency", () => {
  it("caps requests in flight per key; a settle frees the slot; a lost lease frees it when it expires", async () => {
    const s = subject();
    const r = rate(s, { maxConcurrent: 1 });
    const a = request(s, { rates: [r], now: T0 });
    expect((await reserve(redis, a)).kind).toBe("ok");
    expect(await reserve(redis, request(s, { rates: [r], now: T0 + 1 }))).toMatchObject({ kind: "refused", reason: "concurrency" });
    await settle(redis, { tenantId: s.tenantId, reservationId: a.reservationId, costMicros: 0n, tokens: 0, tokenCounters: [], reservedTokens: 0, concurrency: a.concurrency.map((x) => x.counter), budgets: [] });
    expect((await reserve(redis, request(s, { rates: [r], now: T0 + 2 }))).kind).toBe("ok");
    // never settled (a crashed gateway): the slot comes back when its 10 s lease ends
    expect((await reserve(redis, request(s, { rates: [r], now: T0 + 10_001 }))).kind).toBe("refused");
    expect((await reserve(redis, request(s, { rates: [r], now: T0 + 10_003 }))).kind).toBe("ok");
  });
});

describe("budgets", () => {
  it("asks for a seed first, then reserves worst cases until the limit, settles to the real cost exactly once", async () => {
    const s = subject();
    const b = budget(s, { limitMicros: 1_000n });
    const first = request(s, { budgets: [b], cost: 400n, now: T0 });
    expect(await reserve(redis, first)).toEqual({ kind: "unseeded", indexes: [0] });
    const counter = budgetCounter(b, "-", AT);
    expect(await seedCounter(redis, counter, 100n)).toBe(true);
    expect(await seedCounter(redis, counter, 999n)).toBe(false);
    expect(await reserve(redis, first)).toMatchObject({ kind: "ok", budgets: [{ spentMicros: 100n, reservedMicros: 400n }] });
    const second = request(s, { budgets: [b], cost: 400n, now: T0 + 1 });
    expect((await reserve(redis, second)).kind).toBe("ok");
    // 100 spent + 800 reserved + 400 > 1000
    const third = request(s, { budgets: [b], cost: 400n, now: T0 + 2 });
    expect(await reserve(redis, third)).toMatchObject({ kind: "refused", reason: "budget", index: 0, budgets: [{ spentMicros: 100n, reservedMicros: 800n }] });
    const settleFirst = { tenantId: s.tenantId, reservationId: first.reservationId, costMicros: 150n, tokens: 0, tokenCounters: [], reservedTokens: 0, concurrency: [], budgets: [counter] };
    expect(await settle(redis, settleFirst)).toBe(true);
    expect(await settle(redis, settleFirst)).toBe(false);
    expect(await readCounters(redis, [counter.key])).toEqual([{ spentMicros: 250n, reservedMicros: 400n, seeded: true }]);
    // 250 + 400 + 400 > 1000 still; settling the second at 100 makes room
    expect((await reserve(redis, third)).kind).toBe("refused");
    await settle(redis, { ...settleFirst, reservationId: second.reservationId, costMicros: 100n });
    expect(await reserve(redis, third)).toMatchObject({ kind: "ok", budgets: [{ spentMicros: 350n, reservedMicros: 400n }] });
    // the period's counter expires an hour after the period ends
    expect(await redis.pexpiretime(counter.key)).toBe(counter.expireAtMs);
  });

  it("a soft budget counts but never refuses; a lease that expires returns its reservation", async () => {
    const s = subject();
    const soft = budget(s, { limitMicros: 10n, hard: false });
    const hard = budget(s, { limitMicros: 1_000n });
    for (const b of [soft, hard]) await seedCounter(redis, budgetCounter(b, "-", AT), 0n);
    const a = request(s, { budgets: [soft, hard], cost: 900n, now: T0 });
    expect(await reserve(redis, a)).toMatchObject({ kind: "ok", budgets: [{ reservedMicros: 900n }, { reservedMicros: 900n }] });
    expect((await reserve(redis, request(s, { budgets: [soft, hard], cost: 900n, now: T0 + 9_999 }))).kind).toBe("refused");
    // a's 10 s lease is over: the next reservation releases it first
    expect(await reserve(redis, request(s, { budgets: [soft, hard], cost: 900n, now: T0 + 10_001 }))).toMatchObject({ kind: "ok", budgets: [{ reservedMicros: 900n }, { reservedMicros: 900n }] });
  });

  it("all or nothing: a refused budget leaves rate counters untouched", async () => {
    const s = subject();
    const r = rate(s, { requestsPerMinute: 10, tokensPerMinute: 10_000 });
    const b = budget(s, { limitMicros: 100n });
    await seedCounter(redis, budgetCounter(b, "-", AT), 0n);
    const refused = await reserve(redis, request(s, { rates: [r], budgets: [b], cost: 101n, tokens: 50, now: T0 }));
    expect(refused).toMatchObject({ kind: "refused", reason: "budget", requests: [{ used: 0 }], tokens: [{ used: 0 }] });
    expect(await reserve(redis, request(s, { rates: [r], budgets: [b], cost: 100n, tokens: 50, now: T0 }))).toMatchObject({ kind: "ok", requests: [{ used: 1 }], tokens: [{ used: 50 }] });
  });

  it("the reconciliation raises a counter to the log's sum, never lowers it", async () => {
    const s = subject();
    const b = budget(s, {});
    const c = budgetCounter(b, "-", AT);
    expect(await raiseCounter(redis, c.key, 50n)).toBeNull();
    await seedCounter(redis, c, 100n);
    expect(await raiseCounter(redis, c.key, 50n)).toBe(0n);
    expect(await raiseCounter(redis, c.key, 130n)).toBe(30n);
    expect((await readCounters(redis, [c.key]))[0]?.spentMicros).toBe(130n);
  });
});
