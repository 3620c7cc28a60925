import type { Redis } from "ioredis";
import { WINDOW_MS, reservationKey, type BudgetCounter, type RateCounter } from "@/lib/gateway/limits/plan";

/**
 * The Redis half of stage 6: three Lua scripts, each ONE round trip, loaded
 * once per connection (ioredis `defineCommand`: EVALSHA, and EVAL only when
 * the server answers NOSCRIPT, e.g. after a restart).
 *
 * reserve  every rate limit, concurrency cap and budget of the request, all
 *          or nothing: checks first (no counter changes), then commits all.
 *   requests/min   sorted set of admitted reservation ids (score: ms), a
 *                  rolling 60 s log: exact ("100 allowed means 100" in any
 *                  60 s), the retry time is when the oldest blocking entry
 *                  leaves the window.
 *   tokens/min     sorted set of `<id>|<tokens>` plus a running sum beside it
 *                  (entries leaving the window are subtracted once: O(1)
 *                  amortised); reserve counts prompt + max output tokens,
 *                  settle rewrites the entry to the tokens really used.
 *   concurrency    sorted set of in-flight ids, scored by lease expiry.
 *   budgets        hash {spent, reserved, s, r:<id>} per budget x subject x
 *                  period, plus a sorted set of reservation leases. A hard
 *                  budget refuses when spent + reserved + worst case > limit;
 *                  a soft one only counts. Expired leases (a gateway died
 *                  mid-request) are released by the next reserve on that
 *                  counter. A counter without `s` was never seeded (new
 *                  period, or Redis lost it): reserve answers UNSEEDED and
 *                  changes nothing; the gateway seeds it from the request log
 *                  (seed.ts) and calls again.
 * settle   exactly once per reservation (the reservation key is deleted; a
 *          second settle finds none and does nothing): reserved -> spent at
 *          the real cost, the token entry to the real tokens, the
 *          concurrency slot freed. A release is a settle at 0.
 * seed     sets a counter's spent from the request log, once (a no-op when
 *          another instance seeded it first).
 *
 * Time is Redis's own clock (TIME) unless a test passes `now`.
 */

const RESERVE = `
local now = tonumber(ARGV[1])
if now == 0 then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local id = ARGV[2]
local lease = tonumber(ARGV[3])
local resTtl = tonumber(ARGV[4])
local nR = tonumber(ARGV[5])
local nT = tonumber(ARGV[6])
local nC = tonumber(ARGV[7])
local nB = tonumber(ARGV[8])
local W = ${WINDOW_MS}
local rk, tk, ck, bk = 2, 2 + nR, 2 + nR + 2 * nT, 2 + nR + 2 * nT + nC
local ra, ta, ca, ba = 9, 9 + nR, 9 + nR + 2 * nT, 9 + nR + 2 * nT + nC

local unseeded = {}
for i = 0, nB - 1 do
  if redis.call('HEXISTS', KEYS[bk + 2 * i], 's') == 0 then unseeded[#unseeded + 1] = i end
end
if #unseeded > 0 then return {6, unseeded} end

local fail = nil
local rCount, rNewest = {}, {}
for i = 0, nR - 1 do
  local key, limit = KEYS[rk + i], tonumber(ARGV[ra + i])
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - W)
  local count = redis.call('ZCARD', key)
  rCount[i] = count
  rNewest[i] = now - W
  if count > 0 then rNewest[i] = tonumber(redis.call('ZRANGE', key, -1, -1, 'WITHSCORES')[2]) end
  if not fail and count + 1 > limit then
    local retry = W
    if limit > 0 and count >= limit then
      retry = tonumber(redis.call('ZRANGE', key, count - limit, count - limit, 'WITHSCORES')[2]) + W - now
    end
    fail = {2, i, retry}
  end
end

local tSum, tNewest = {}, {}
for i = 0, nT - 1 do
  local z, s = KEYS[tk + 2 * i], KEYS[tk + 2 * i + 1]
  local limit, amt = tonumber(ARGV[ta + 2 * i]), tonumber(ARGV[ta + 2 * i + 1])
  local sum = tonumber(redis.call('GET', s) or '-1')
  if sum < 0 then
    sum = 0
    for _, m in ipairs(redis.call('ZRANGE', z, 0, -1)) do sum = sum + tonumber(string.match(m, '|(%d+)$')) end
  end
  local old = redis.call('ZRANGEBYSCORE', z, '-inf', now - W)
  if #old > 0 then
    for _, m in ipairs(old) do sum = sum - tonumber(string.match(m, '|(%d+)$')) end
    redis.call('ZREMRANGEBYSCORE', z, '-inf', now - W)
    redis.call('SET', s, sum, 'PX', W)
  end
  tSum[i] = sum
  tNewest[i] = now - W
  local last = redis.call('ZRANGE', z, -1, -1, 'WITHSCORES')
  if last[2] then tNewest[i] = tonumber(last[2]) end
  if not fail and sum + amt > limit then
    local retry = -1
    if amt <= limit then
      local freed = 0
      local all = redis.call('ZRANGE', z, 0, -1, 'WITHSCORES')
      for j = 1, #all, 2 do
        freed = freed + tonumber(string.match(all[j], '|(%d+)$'))
        if sum - freed + amt <= limit then
          retry = tonumber(all[j + 1]) + W - now
          break
        end
      end
    end
    fail = {3, i, retry}
  end
end

for i = 0, nC - 1 do
  local c, limit = KEYS[ck + i], tonumber(ARGV[ca + i])
  redis.call('ZREMRANGEBYSCORE', c, '-inf', now)
  if not fail and redis.call('ZCARD', c) + 1 > limit then fail = {4, i, 1000} end
end

for i = 0, nB - 1 do
  local h, l = KEYS[bk + 2 * i], KEYS[bk + 2 * i + 1]
  local expired = redis.call('ZRANGEBYSCORE', l, '-inf', now, 'LIMIT', 0, 100)
  for _, x in ipairs(expired) do
    local a = redis.call('HGET', h, 'r:' .. x)
    if a then
      redis.call('HINCRBY', h, 'reserved', '-' .. a)
      redis.call('HDEL', h, 'r:' .. x)
    end
    redis.call('ZREM', l, x)
  end
  local spent = tonumber(redis.call('HGET', h, 'spent') or '0')
  local reserved = tonumber(redis.call('HGET', h, 'reserved') or '0')
  local limit, cost, hard = tonumber(ARGV[ba + 4 * i]), tonumber(ARGV[ba + 4 * i + 1]), ARGV[ba + 4 * i + 2]
  if not fail and hard == '1' and spent + reserved + cost > limit then
    fail = {5, i, 0}
  end
end

local out
if fail then
  out = fail
  while #out < 5 do out[#out + 1] = 0 end
else
  out = {1, -1, 0, 0, 0}
  redis.call('SET', KEYS[1], '1', 'PX', resTtl)
  for i = 0, nR - 1 do
    redis.call('ZADD', KEYS[rk + i], now, id)
    redis.call('PEXPIRE', KEYS[rk + i], W)
    rCount[i] = rCount[i] + 1
    rNewest[i] = now
  end
  for i = 0, nT - 1 do
    local z, s, amt = KEYS[tk + 2 * i], KEYS[tk + 2 * i + 1], tonumber(ARGV[ta + 2 * i + 1])
    redis.call('ZADD', z, now, id .. '|' .. amt)
    tSum[i] = tSum[i] + amt
    redis.call('SET', s, tSum[i], 'PX', W)
    redis.call('PEXPIRE', z, W)
    tNewest[i] = now
  end
  for i = 0, nC - 1 do
    local c = KEYS[ck + i]
    redis.call('ZADD', c, now + lease, id)
    if redis.call('PTTL', c) < lease then redis.call('PEXPIRE', c, lease) end
  end
  for i = 0, nB - 1 do
    local h, l, cost, exp = KEYS[bk + 2 * i], KEYS[bk + 2 * i + 1], ARGV[ba + 4 * i + 1], tonumber(ARGV[ba + 4 * i + 3])
    redis.call('HINCRBY', h, 'reserved', cost)
    redis.call('HSET', h, 'r:' .. id, cost)
    redis.call('ZADD', l, now + lease, id)
    if exp > 0 then
      redis.call('PEXPIREAT', h, exp)
      redis.call('PEXPIREAT', l, exp)
    end
  end
end
out[#out + 1] = now
for i = 0, nR - 1 do
  out[#out + 1] = rCount[i]
  out[#out + 1] = rNewest[i] + W - now
end
for i = 0, nT - 1 do
  out[#out + 1] = tSum[i]
  out[#out + 1] = tNewest[i] + W - now
end
for i = 0, nB - 1 do
  local v = redis.call('HMGET', KEYS[bk + 2 * i], 'spent', 'reserved')
  out[#out + 1] = v[1] or '0'
  out[#out + 1] = v[2] or '0'
end
return out`;

const SETTLE = `
if redis.call('DEL', KEYS[1]) == 0 then return 0 end
local id, cost, tokens = ARGV[1], ARGV[2], tonumber(ARGV[3])
local nT, nC, nB = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local tk, ck, bk = 2, 2 + 2 * nT, 2 + 2 * nT + nC
local ta, ba = 7, 7 + nT
for i = 0, nT - 1 do
  local z, s, reserved = KEYS[tk + 2 * i], KEYS[tk + 2 * i + 1], tonumber(ARGV[ta + i])
  local m = id .. '|' .. reserved
  local score = redis.call('ZSCORE', z, m)
  if score then
    redis.call('ZREM', z, m)
    redis.call('ZADD', z, score, id .. '|' .. tokens)
    if redis.call('EXISTS', s) == 1 then redis.call('INCRBY', s, tokens - reserved) end
  end
end
for i = 0, nC - 1 do redis.call('ZREM', KEYS[ck + i], id) end
for i = 0, nB - 1 do
  local h, l, exp = KEYS[bk + 2 * i], KEYS[bk + 2 * i + 1], tonumber(ARGV[ba + i])
  local a = redis.call('HGET', h, 'r:' .. id)
  if a then
    redis.call('HINCRBY', h, 'reserved', '-' .. a)
    redis.call('HDEL', h, 'r:' .. id)
  end
  redis.call('ZREM', l, id)
  if cost ~= '0' then
    redis.call('HINCRBY', h, 'spent', cost)
    if exp > 0 then redis.call('PEXPIREAT', h, exp) end
  end
end
return 1`;

const SEED = `
if redis.call('HEXISTS', KEYS[1], 's') == 1 then return 0 end
redis.call('HINCRBY', KEYS[1], 'spent', ARGV[1])
redis.call('HSET', KEYS[1], 's', '1')
local exp = tonumber(ARGV[2])
if exp > 0 then redis.call('PEXPIREAT', KEYS[1], exp) end
return 1`;

/** Raises a seeded counter's spent to at least `floor` (the worker's reconciliation); never lowers it. */
const RAISE = `
if redis.call('HEXISTS', KEYS[1], 's') == 0 then return '-1' end
local spent = tonumber(redis.call('HGET', KEYS[1], 'spent') or '0')
local floor = tonumber(ARGV[1])
if spent >= floor then return '0' end
redis.call('HINCRBY', KEYS[1], 'spent', ARGV[1] - spent)
return tostring(floor - spent)`;

type Reply = Array<number | string | number[]>;

interface LimitCommands {
  ghLimitsReserve(numKeys: number, ...args: Array<string | number>): Promise<Reply>;
  ghLimitsSettle(numKeys: number, ...args: Array<string | number>): Promise<number>;
  ghLimitsSeed(key: string, spent: string, expireAtMs: number): Promise<number>;
  ghLimitsRaise(key: string, floor: string): Promise<string>;
}

const defined = new WeakSet<Redis>();

function commands(redis: Redis): LimitCommands {
  if (!defined.has(redis)) {
    redis.defineCommand("ghLimitsReserve", { lua: RESERVE });
    redis.defineCommand("ghLimitsSettle", { lua: SETTLE });
    redis.defineCommand("ghLimitsSeed", { lua: SEED, numberOfKeys: 1 });
    redis.defineCommand("ghLimitsRaise", { lua: RAISE, numberOfKeys: 1 });
    defined.add(redis);
  }
  return redis as unknown as LimitCommands;
}

/** What one request asks of Redis. */
export interface ReserveRequest {
  tenantId: string;
  reservationId: string;
  /** Rate limits with a requests-per-minute figure, etc. (subsets of the request's rate counters). */
  requests: ReadonlyArray<{ counter: RateCounter; limit: number }>;
  tokens: ReadonlyArray<{ counter: RateCounter; limit: number }>;
  concurrency: ReadonlyArray<{ counter: RateCounter; limit: number }>;
  budgets: ReadonlyArray<{ counter: BudgetCounter; costMicros: bigint }>;
  /** Tokens the tokens-per-minute limits reserve (prompt + max output). */
  tokenAmount: number;
  /** How long the reservation holds if never settled (a crashed gateway). */
  leaseMs: number;
  /** Test clock (ms); omitted: Redis's TIME. */
  now?: number;
}

export type ReserveResult =
  | { kind: "ok"; now: number; requests: RateView[]; tokens: RateView[]; budgets: BudgetView[] }
  | { kind: "unseeded"; indexes: number[] }
  | {
      kind: "refused";
      reason: "requests" | "tokens" | "concurrency" | "budget";
      /** Index into the request's list of that kind. */
      index: number;
      /** ms until a retry can succeed; -1 = never (the request alone exceeds the limit). */
      retryMs: number;
      now: number;
      requests: RateView[];
      tokens: RateView[];
      budgets: BudgetView[];
    };

/** A rate limit's count (requests, or tokens) in the window after the call, and ms until the window is empty. */
export interface RateView {
  used: number;
  resetMs: number;
}

export interface BudgetView {
  spentMicros: bigint;
  reservedMicros: bigint;
}

/** How long a reservation key outlives its lease: a settle after the lease (a very slow stream) still counts its spend. */
export const RESERVATION_GRACE_MS = 3_600_000;

const REASONS = { 2: "requests", 3: "tokens", 4: "concurrency", 5: "budget" } as const;

export async function reserve(redis: Redis, r: ReserveRequest): Promise<ReserveResult> {
  const keys: string[] = [reservationKey(r.tenantId, r.reservationId)];
  const args: Array<string | number> = [
    r.now ?? 0,
    r.reservationId,
    r.leaseMs,
    r.leaseMs + RESERVATION_GRACE_MS,
    r.requests.length,
    r.tokens.length,
    r.concurrency.length,
    r.budgets.length,
  ];
  for (const x of r.requests) {
    keys.push(x.counter.requestsKey);
    args.push(x.limit);
  }
  for (const x of r.tokens) {
    keys.push(x.counter.tokensKey, x.counter.tokensSumKey);
    args.push(x.limit, r.tokenAmount);
  }
  for (const x of r.concurrency) {
    keys.push(x.counter.concurrencyKey);
    args.push(x.limit);
  }
  for (const x of r.budgets) {
    keys.push(x.counter.key, x.counter.leaseKey);
    args.push(x.counter.budget.limitMicros.toString(), x.costMicros.toString(), x.counter.budget.hard ? "1" : "0", x.counter.expireAtMs);
  }
  const reply = await commands(redis).ghLimitsReserve(keys.length, ...keys, ...args);
  const status = Number(reply[0]);
  if (status === 6) return { kind: "unseeded", indexes: (reply[1] as number[]).map(Number) };
  let at = 5;
  const now = Number(reply[at++]);
  const requests: RateView[] = [];
  for (let i = 0; i < r.requests.length; i++) requests.push({ used: Number(reply[at++]), resetMs: Math.max(0, Number(reply[at++])) });
  const tokens: RateView[] = [];
  for (let i = 0; i < r.tokens.length; i++) tokens.push({ used: Number(reply[at++]), resetMs: Math.max(0, Number(reply[at++])) });
  const budgets: BudgetView[] = [];
  for (let i = 0; i < r.budgets.length; i++) budgets.push({ spentMicros: BigInt(String(reply[at++])), reservedMicros: BigInt(String(reply[at++])) });
  if (status === 1) return { kind: "ok", now, requests, tokens, budgets };
  const reason = REASONS[status as keyof typeof REASONS];
  if (!reason) throw new Error(`limits: unexpected reserve status ${status}`);
  return { kind: "refused", reason, index: Number(reply[1]), retryMs: Number(reply[2]), now, requests, tokens, budgets };
}

export interface SettleRequest {
  tenantId: string;
  reservationId: string;
  costMicros: bigint;
  /** Prompt + completion tokens really used. */
  tokens: number;
  /** Tokens reserved per tokens-per-minute counter (the entry to rewrite). */
  tokenCounters: readonly RateCounter[];
  reservedTokens: number;
  concurrency: readonly RateCounter[];
  budgets: readonly BudgetCounter[];
}

/** True when this call settled the reservation; false when it was settled already (or had expired). */
export async function settle(redis: Redis, s: SettleRequest): Promise<boolean> {
  const keys: string[] = [reservationKey(s.tenantId, s.reservationId)];
  const cost = s.costMicros > 0n ? s.costMicros.toString() : "0";
  const args: Array<string | number> = [s.reservationId, cost, Math.max(0, Math.round(s.tokens)), s.tokenCounters.length, s.concurrency.length, s.budgets.length];
  for (const c of s.tokenCounters) {
    keys.push(c.tokensKey, c.tokensSumKey);
    args.push(s.reservedTokens);
  }
  for (const c of s.concurrency) keys.push(c.concurrencyKey);
  for (const b of s.budgets) {
    keys.push(b.key, b.leaseKey);
    args.push(b.expireAtMs);
  }
  return (await commands(redis).ghLimitsSettle(keys.length, ...keys, ...args)) === 1;
}

/** Sets a counter's spent from the request log if nobody did yet; true when this call seeded it. */
export async function seedCounter(redis: Redis, counter: Pick<BudgetCounter, "key" | "expireAtMs">, spentMicros: bigint): Promise<boolean> {
  return (await commands(redis).ghLimitsSeed(counter.key, spentMicros.toString(), counter.expireAtMs)) === 1;
}

/** Raises a seeded counter's spent to `floorMicros`; the amount added (0n: it was already there), or null when the counter is not seeded. */
export async function raiseCounter(redis: Redis, key: string, floorMicros: bigint): Promise<bigint | null> {
  const added = await commands(redis).ghLimitsRaise(key, floorMicros.toString());
  return added === "-1" ? null : BigInt(added);
}

/** A counter as the dashboard shows it; null fields when the counter does not exist (nothing spent this period, or not seeded yet). */
export async function readCounters(redis: Redis, keys: readonly string[]): Promise<Array<{ spentMicros: bigint; reservedMicros: bigint; seeded: boolean } | null>> {
  if (keys.length === 0) return [];
  const pipeline = redis.pipeline();
  for (const k of keys) pipeline.hmget(k, "spent", "reserved", "s");
  const replies = (await pipeline.exec()) ?? [];
  return replies.map(([err, value]) => {
    if (err) throw err;
    const [spent, reserved, s] = value as Array<string | null>;
    if (spent === null && reserved === null && s === null) return null;
    return { spentMicros: BigInt(spent ?? "0"), reservedMicros: BigInt(reserved ?? "0"), seeded: s !== null };
  });
}
