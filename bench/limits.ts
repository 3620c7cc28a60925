/**
 * `npx tsx bench/limits.ts [--n 5000] [--redis redis://127.0.0.1:6379/8]`
 *
 * Micro-benchmark of stage 6's atomic call (lib/gateway/limits/store.ts), not
 * a test: the latency of ONE reserve (a Lua script by EVALSHA: every rate
 * limit and budget of a request in one round trip) as the gateway sees it,
 * for a realistic request (requests/min + tokens/min per key, requests/min
 * per tenant, a concurrency cap per key, a monthly tenant budget and a daily
 * feature budget), next to a bare PING on the same connection (the floor:
 * one round trip doing nothing). Each reserve is followed by its settle
 * (measured too). Prints p50 / p99 / max in milliseconds. Uses its own
 * random tenant id; deletes its keys at the end.
 */
import { randomUUID } from "node:crypto";
import { parseArgs } from "node:util";
import { Redis } from "ioredis";
import type { BudgetEntry, RateLimitEntry } from "@/lib/gateway/config/types";
import { budgetCounters, rateCounters, type Subject } from "@/lib/gateway/limits/plan";
import { reserve, seedCounter, settle, type ReserveRequest } from "@/lib/gateway/limits/store";

const { values } = parseArgs({ options: { n: { type: "string", default: "5000" }, redis: { type: "string" } } });
const N = Number(values.n);
const url = values.redis ?? process.env.REDIS_URL ?? "redis://127.0.0.1:6379/8";

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? 0;
}

const fmt = (ms: number): string => ms.toFixed(3);

async function main(): Promise<void> {
  const redis = new Redis(url, { enableAutoPipelining: true });
  const tenantId = `ten_bench${randomUUID().replace(/-/g, "").slice(0, 12)}`;
  const s: Subject = { tenantId, apiKeyId: "key_bench", featureId: "fea_bench", endUserId: "user-1", ip: "127.0.0.1" };
  const rate = (f: Partial<RateLimitEntry>): RateLimitEntry => ({
    id: `rtl_${randomUUID().slice(0, 8)}`,
    tenantId,
    scope: "api_key",
    featureId: null,
    apiKeyId: null,
    requestsPerMinute: null,
    tokensPerMinute: null,
    maxConcurrent: null,
    ...f,
  });
  const budget = (f: Partial<BudgetEntry>): BudgetEntry => ({
    id: `bdg_${randomUUID().slice(0, 8)}`,
    tenantId,
    name: "bench",
    scope: "tenant",
    featureId: null,
    apiKeyId: null,
    endUserId: null,
    period: "month",
    limitMicros: 10n ** 14n,
    hard: true,
    alertThresholds: [],
    createdAt: new Date(0),
    ...f,
  });
  const limits = [
    rate({ scope: "api_key", requestsPerMinute: 10_000_000, tokensPerMinute: 1_000_000_000, maxConcurrent: 1_000 }),
    rate({ scope: "tenant", requestsPerMinute: 10_000_000 }),
  ];
  const budgets = [budget({}), budget({ scope: "feature", featureId: "fea_bench", period: "day" })];
  const rc = rateCounters(limits, s);
  const bc = budgetCounters(budgets, s, new Date());
  for (const c of bc) await seedCounter(redis, c, 0n);

  const request = (i: number): ReserveRequest => ({
    tenantId,
    reservationId: `rsv_${i}`,
    requests: rc.filter((c) => c.limit.requestsPerMinute !== null).map((c) => ({ counter: c, limit: c.limit.requestsPerMinute as number })),
    tokens: rc.filter((c) => c.limit.tokensPerMinute !== null).map((c) => ({ counter: c, limit: c.limit.tokensPerMinute as number })),
    concurrency: rc.filter((c) => c.limit.maxConcurrent !== null).map((c) => ({ counter: c, limit: c.limit.maxConcurrent as number })),
    budgets: bc.map((counter) => ({ counter, costMicros: 4_500n })),
    tokenAmount: 1_200,
    leaseMs: 60_000,
  });

  // Warm-up: loads the scripts (EVALSHA from here on), warms the connection and the JIT.
  for (let i = 0; i < 500; i++) {
    const r = request(-i - 1);
    await reserve(redis, r);
    await settle(redis, { tenantId, reservationId: r.reservationId, costMicros: 0n, tokens: 0, tokenCounters: r.tokens.map((x) => x.counter), reservedTokens: 1_200, concurrency: r.concurrency.map((x) => x.counter), budgets: bc });
  }

  const ping: number[] = [];
  const res: number[] = [];
  const set: number[] = [];
  let refused = 0;
  for (let i = 0; i < N; i++) {
    let t = performance.now();
    await redis.ping();
    ping.push(performance.now() - t);

    const r = request(i);
    t = performance.now();
    const out = await reserve(redis, r);
    res.push(performance.now() - t);
    if (out.kind !== "ok") refused++;

    t = performance.now();
    await settle(redis, { tenantId, reservationId: r.reservationId, costMicros: 1_234n, tokens: 900, tokenCounters: r.tokens.map((x) => x.counter), reservedTokens: 1_200, concurrency: r.concurrency.map((x) => x.counter), budgets: bc });
    set.push(performance.now() - t);
  }

  const keys = await redis.keys(`gh:lim:{${tenantId}}:*`);
  if (keys.length) await redis.del(...keys);
  await redis.quit();

  const row = (name: string, xs: number[]) => `${name.padEnd(44)} p50 ${fmt(pct(xs, 50))} ms   p99 ${fmt(pct(xs, 99))} ms   max ${fmt(Math.max(...xs))} ms`;
  console.log(`stage 6 atomic call, ${N} sequential calls, ${url.replace(/\/\/[^@]*@/, "//")}`);
  console.log("request: 3 rate counters (2 rpm, 1 tpm), 1 concurrency cap, 2 budgets; 1 round trip each");
  console.log(row("PING (one round trip, the floor)", ping));
  console.log(row("reserve (all limits + budgets, EVALSHA)", res));
  console.log(row("settle (EVALSHA)", set));
  console.log(`reserve above the PING floor: p50 +${fmt(pct(res, 50) - pct(ping, 50))} ms`);
  if (refused) console.log(`(${refused} reserves refused: limits too low for the benchmark)`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
