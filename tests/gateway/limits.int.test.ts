/**
 * Stage 6 across real gateway processes (server.ts, role gateway) sharing one
 * Redis, the simulator over HTTP, and the request-log worker:
 *
 * 1. 200 concurrent requests against a budget that fits 50 worst-case ones,
 *    split over two gateways: spend never exceeds the budget, every refused
 *    request got 429 budget_exceeded (and is logged as blocked), and what the
 *    callers were charged, the Redis counter and the request log agree to the
 *    micro-dollar (every reservation settled exactly once);
 * 2. the same with streams the client cuts after the first chunk: what was
 *    produced is settled, nothing stays reserved;
 * 3. 150 concurrent requests against 100 requests per minute over two
 *    gateways: exactly 100 pass, remaining-requests counts 99..0 once each,
 *    the refusals carry a retry-after that matches the window;
 * 4. a private Redis restarted without persistence: the budget counter is
 *    rebuilt from the request log, spend does not fall back to zero.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cancelConfigAnnouncementRetries, publishConfigChange } from "@/lib/config-events";
import { db, disconnectDb } from "@/lib/db";
import { budgetCounter, promptTokensWithMargin, worstCase } from "@/lib/gateway/limits/plan";
import type { ChatCompletionRequest } from "@/lib/gateway/openai/schema";
import { estimateChatTokens } from "@/lib/tokens";
import type { BudgetEntry } from "@/lib/gateway/config/types";
import { newId } from "@/lib/ids";
import { disconnectRedis } from "@/lib/redis";
import { addFeature, addModel, addRoute, addSimProvider, createTestTenant, type TestTenant } from "@/lib/testing/gateway";
import { startPrivateRedis, type PrivateRedis } from "@/lib/testing/redis-server";
import { childEnv, eventually, spawnEntry, type Child } from "@/lib/testing/spawn";
import { startSim, type SimHandle } from "./harness";

const INPUT_PER_MTOK = 10_000_000n; // 10 micro-dollars per token
const OUTPUT_PER_MTOK = 30_000_000n; // 30 micro-dollars per token
const MAX_TOKENS = 50;
const MESSAGES = [{ role: "user", content: "Say something short about budgets." }];
/** What stage 6 reserves for one of these requests: prompt tokens as the tokens stage counts them (o200k_base, the models' default), with the reservation's margin. */
let WORST = 0n;
async function worstOfRequest(): Promise<bigint> {
  const prompt = (await estimateChatTokens({ model: "lim", messages: MESSAGES, max_tokens: MAX_TOKENS } as ChatCompletionRequest, "o200k_base")).tokens;
  const price = { modelId: "", inputPerMTokMicros: INPUT_PER_MTOK, outputPerMTokMicros: OUTPUT_PER_MTOK, cachedInputPerMTokMicros: 0n, cacheWritePerMTokMicros: 0n, effectiveFrom: new Date(0) };
  return worstCase(promptTokensWithMargin(prompt), MAX_TOKENS, [{ price, maxOutputTokens: 4096 }]).costMicros;
}

let sim: SimHandle;
const children: Child[] = [];
const spoolDir = mkdtempSync(path.join(tmpdir(), "gh-limits-spool-"));
let redis: Redis;

function track(c: Child): Child {
  children.push(c);
  return c;
}

/** server.ts in the gateway role (a generous start timeout: the machine is shared). */
async function gateway(env: Record<string, string> = {}): Promise<string> {
  const child = track(spawnEntry("server.ts", childEnv({ GATEHOUSE_ROLE: "gateway", LOG_LEVEL: "info", GATEHOUSE_SPOOL_DIR: spoolDir, ...env })));
  const m = await child.waitFor(/Gatehouse listening on (http:\/\/\S+)/, 90_000);
  return m[1] ?? "";
}

/** Announces rows written directly, then waits until every gateway's snapshot has them (the key works). */
async function publish(tenantId: string, urls: readonly string[], key: string, via?: Redis): Promise<void> {
  await publishConfigChange({ tenantId, kind: "budget" }, via ? { redis: via } : {});
  for (const url of urls) {
    await eventually(async () => {
      const r = await fetch(`${url}/v1/models`, { headers: { authorization: `Bearer ${key}` } });
      await r.arrayBuffer();
      return r.status === 200 ? true : undefined;
    }, { what: `${url} knows the new tenant` });
  }
}

async function worker(env: Record<string, string> = {}): Promise<Child> {
  const child = track(spawnEntry("workers/index.ts", childEnv({ GATEHOUSE_SPOOL_DIR: spoolDir, ...env })));
  await child.waitFor(/Gatehouse worker running/, 90_000);
  return child;
}

interface Setup {
  t: TestTenant;
  budget: BudgetEntry;
}

/** A tenant with a priced model behind route `lim`, and a hard monthly tenant budget of `limitMicros` (optionally a rate limit). */
async function setup(label: string, limitMicros: bigint | null, rateLimit?: { requestsPerMinute: number }): Promise<Setup> {
  const t = await createTestTenant(db, label);
  const providerId = await addSimProvider(db, t.tenantId, { name: "sim-openai", kind: "openai", simUrl: sim.url });
  const modelId = await addModel(db, t.tenantId, providerId, "lim-model", { prices: [{ input: INPUT_PER_MTOK, output: OUTPUT_PER_MTOK }] });
  await addRoute(db, t.tenantId, { alias: "lim", targets: [{ modelId }] });
  const budget: BudgetEntry = {
    id: newId("budget"),
    tenantId: t.tenantId,
    name: `${label} monthly`,
    scope: "tenant",
    featureId: null,
    apiKeyId: null,
    endUserId: null,
    period: "month",
    limitMicros: limitMicros ?? 0n,
    hard: true,
    alertThresholds: [],
    createdAt: new Date(),
  };
  if (limitMicros !== null) {
    await db.budget.create({ data: { id: budget.id, tenantId: t.tenantId, name: budget.name, scope: "tenant", period: "month", limitMicros, mode: "hard" } });
  }
  if (rateLimit) {
    await db.rateLimit.create({ data: { id: newId("rateLimit"), tenantId: t.tenantId, scope: "api_key", requestsPerMinute: rateLimit.requestsPerMinute } });
  }
  return { t, budget };
}

function chat(url: string, key: string, extra: Record<string, unknown> = {}, signal?: AbortSignal): Promise<Response> {
  return fetch(`${url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
    body: JSON.stringify({ model: "lim", messages: MESSAGES, max_tokens: MAX_TOKENS, ...extra }),
    signal,
  });
}

function micros(usd: string | null): bigint {
  if (!usd) return 0n;
  const [whole = "0", frac = ""] = usd.split(".");
  return BigInt(whole) * 1_000_000n + BigInt(frac.padEnd(6, "0").slice(0, 6));
}

async function counterOf(r: Redis, b: BudgetEntry): Promise<{ spent: bigint; reserved: bigint }> {
  const [spent, reserved] = await r.hmget(budgetCounter(b, "-", new Date()).key, "spent", "reserved");
  return { spent: BigInt(spent ?? "0"), reserved: BigInt(reserved ?? "0") };
}

async function loggedRows(tenantId: string): Promise<Array<{ status: string; errorCode: string | null; costMicros: bigint }>> {
  return db.requestLog.findMany({ where: { tenantId, endpoint: "chat.completions" }, select: { status: true, errorCode: true, costMicros: true } });
}

beforeAll(async () => {
  WORST = await worstOfRequest();
  sim = await startSim();
  // Overlapping calls: each answer takes a while, so reservations pile up.
  sim.sim.configure({ latencyMs: 150, replyWords: 40 });
  redis = new Redis(process.env.REDIS_URL ?? "");
});

afterAll(async () => {
  for (const c of children) c.kill();
  await sim?.sim.close();
  await redis?.quit();
  cancelConfigAnnouncementRetries();
  await disconnectRedis();
  await disconnectDb();
  rmSync(spoolDir, { recursive: true, force: true });
});

describe("two gateways, one Redis", () => {
  let a: string;
  let b: string;

  beforeAll(async () => {
    await worker();
    a = await gateway();
    b = await gateway();
  }, 240_000);

  it("200 concurrent requests against a budget of 50 worst cases: never over, every refusal a 429 budget_exceeded", async () => {
    expect(WORST).toBeGreaterThan(0n);
    const { t, budget } = await setup("bud", WORST * 50n);
    await publish(t.tenantId, [a, b], t.key);
    const responses = await Promise.all(Array.from({ length: 200 }, (_, i) => chat(i % 2 ? a : b, t.key)));
    const bodies = await Promise.all(responses.map(async (r) => ({ status: r.status, cost: micros(r.headers.get("x-gatehouse-cost-usd")), body: (await r.json()) as { error?: { code: string; type: string; message: string } } })));
    const ok = bodies.filter((x) => x.status === 200);
    const refused = bodies.filter((x) => x.status !== 200);
    expect(ok.length).toBeGreaterThanOrEqual(50);
    expect(refused.length).toBeGreaterThan(0);
    for (const r of refused) {
      expect(r.status).toBe(429);
      expect(r.body.error?.code).toBe("budget_exceeded");
      expect(r.body.error?.type).toBe("insufficient_quota");
      expect(r.body.error?.message).toContain(budget.id);
    }
    const charged = ok.reduce((s, x) => s + x.cost, 0n);
    expect(charged).toBeGreaterThan(0n);
    expect(charged).toBeLessThanOrEqual(budget.limitMicros);
    // every reservation settled exactly once: the counter holds what the callers were charged, nothing reserved
    const counter = await eventually(async () => {
      const c = await counterOf(redis, budget);
      return c.reserved === 0n ? c : undefined;
    }, { what: "all reservations settled" });
    expect(counter.spent).toBe(charged);
    // the request log agrees, and shows the refusals as blocked budget_exceeded
    const rows = await eventually(async () => {
      const r = await loggedRows(t.tenantId);
      return r.length === 200 ? r : undefined;
    }, { what: "200 request-log rows", timeoutMs: 20_000 });
    expect(rows.reduce((s, r) => s + r.costMicros, 0n)).toBe(charged);
    const blocked = rows.filter((r) => r.status === "blocked");
    expect(blocked.length).toBe(refused.length);
    expect(new Set(blocked.map((r) => r.errorCode))).toEqual(new Set(["budget_exceeded"]));
  }, 180_000);

  it("the same with streams the client cuts after the first chunk: produced output settled, nothing left reserved", async () => {
    const { t, budget } = await setup("budstream", WORST * 50n);
    await publish(t.tenantId, [a, b], t.key);
    sim.sim.configure({ latencyMs: 0, ttftMs: 20, interChunkMs: 20, replyWords: 40 });
    const outcome = await Promise.all(
      Array.from({ length: 200 }, async (_, i) => {
        const abort = new AbortController();
        const res = await chat(i % 2 ? a : b, t.key, { stream: true }, abort.signal);
        if (res.status !== 200) return { status: res.status, code: ((await res.json()) as { error: { code: string } }).error.code };
        const reader = (res.body as ReadableStream<Uint8Array>).getReader();
        await reader.read();
        abort.abort();
        await reader.cancel().catch(() => undefined);
        return { status: 200, code: null };
      }),
    );
    sim.sim.configure({ latencyMs: 150, ttftMs: 0, interChunkMs: 0, replyWords: 40 });
    const ok = outcome.filter((o) => o.status === 200).length;
    expect(ok).toBeGreaterThanOrEqual(50);
    for (const o of outcome.filter((x) => x.status !== 200)) expect(o).toEqual({ status: 429, code: "budget_exceeded" });
    const counter = await eventually(async () => {
      const c = await counterOf(redis, budget);
      return c.reserved === 0n ? c : undefined;
    }, { what: "all cut streams settled" });
    expect(counter.spent).toBeGreaterThan(0n);
    expect(counter.spent).toBeLessThanOrEqual(budget.limitMicros);
    // settled exactly once each: the counter equals the request log's sum
    const rows = await eventually(async () => {
      const r = await loggedRows(t.tenantId);
      return r.length === 200 ? r : undefined;
    }, { what: "200 request-log rows", timeoutMs: 20_000 });
    expect(rows.reduce((s, r) => s + r.costMicros, 0n)).toBe(counter.spent);
  }, 180_000);

  it("an exhausted budget answers with the feature's static fallback where it has one, else 429 the SDKs do not retry", async () => {
    const { t, budget } = await setup("budfb", 1n);
    const featureId = await addFeature(db, t.tenantId, "fb-feature");
    await db.feature.update({ where: { id: featureId }, data: { config: { staticFallback: { content: "We are over budget; try later." } } } });
    await publish(t.tenantId, [a, b], t.key);
    const plain = await chat(a, t.key);
    expect(plain.status).toBe(429);
    expect(plain.headers.get("x-should-retry")).toBe("false");
    expect(((await plain.json()) as { error: { message: string } }).error.message).toContain(`'${budget.name}' (${budget.id})`);
    const res = await fetch(`${b}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${t.key}`, "x-gatehouse-feature": "fb-feature" },
      body: JSON.stringify({ model: "lim", messages: MESSAGES, max_tokens: MAX_TOKENS }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-gatehouse-target")).toBe("static");
    expect(res.headers.get("x-gatehouse-budget-exceeded")).toBe(budget.id);
    const body = (await res.json()) as { choices: Array<{ message: { content: string } }> };
    expect(body.choices[0]?.message.content).toBe("We are over budget; try later.");
    expect((await counterOf(redis, budget)).reserved).toBe(0n);
  }, 180_000);

  it("100 requests per minute means 100 across both gateways; retry-after matches the window", async () => {
    const { t } = await setup("rate", null, { requestsPerMinute: 100 });
    await publish(t.tenantId, [a, b], t.key);
    sim.sim.configure({ latencyMs: 0, replyWords: 5 });
    const responses = await Promise.all(Array.from({ length: 150 }, (_, i) => chat(i % 2 ? a : b, t.key)));
    sim.sim.configure({ latencyMs: 150, replyWords: 40 });
    const ok = responses.filter((r) => r.status === 200);
    const refused = responses.filter((r) => r.status !== 200);
    expect(ok.length).toBe(100);
    expect(refused.length).toBe(50);
    // each admission took a distinct slot: remaining counts down 99..0, once each
    const remaining = ok.map((r) => Number(r.headers.get("x-ratelimit-remaining-requests"))).sort((x, y) => x - y);
    expect(remaining).toEqual(Array.from({ length: 100 }, (_, i) => i));
    for (const r of ok) {
      expect(r.headers.get("x-ratelimit-limit-requests")).toBe("100");
      expect(r.headers.get("x-ratelimit-reset-requests")).toMatch(/^(\d+(\.\d+)?s|\d+ms|1m0s)$/);
    }
    // the oldest admission leaves the window at oldest + 60 s: every refusal's retry-after-ms points there
    const key = (await redis.keys(`gh:lim:{${t.tenantId}}:rl:*:rq`))[0] as string;
    const [, oldest] = await redis.zrange(key, 0, 0, "WITHSCORES");
    const [sec, usec] = await redis.time();
    const redisNow = Number(sec) * 1000 + Math.floor(Number(usec) / 1000);
    for (const r of refused) {
      const body = (await r.json()) as { error: { code: string; type: string } };
      expect(r.status).toBe(429);
      expect(body.error).toMatchObject({ code: "rate_limit_exceeded", type: "rate_limit_error" });
      const ms = Number(r.headers.get("retry-after-ms"));
      expect(Number(r.headers.get("retry-after"))).toBe(Math.ceil(ms / 1000));
      expect(ms).toBeLessThanOrEqual(Number(oldest) + 60_000 - Number(oldest));
      expect(ms).toBeGreaterThanOrEqual(Number(oldest) + 60_000 - redisNow);
      expect(r.headers.get("x-ratelimit-remaining-requests")).toBe("0");
    }
    for (const r of ok) await r.arrayBuffer();
    const rows = await eventually(async () => {
      const x = await loggedRows(t.tenantId);
      return x.length === 150 ? x : undefined;
    }, { what: "150 request-log rows", timeoutMs: 20_000 });
    expect(rows.filter((x) => x.status === "blocked" && x.errorCode === "rate_limit_exceeded").length).toBe(50);
  }, 180_000);
});

describe("a private Redis restarted without persistence", () => {
  let priv: PrivateRedis;
  let url: string;
  let pr: Redis;

  beforeAll(async () => {
    priv = await startPrivateRedis();
    pr = new Redis(priv.url, { maxRetriesPerRequest: 1 });
    pr.on("error", () => undefined);
    await worker({ REDIS_URL: priv.url });
    url = await gateway({ REDIS_URL: priv.url });
  }, 240_000);

  afterAll(async () => {
    pr?.disconnect();
    await priv?.stop();
  }, 180_000);

  it("rebuilds the budget counter from the request log: spend does not fall back to zero", async () => {
    const { t, budget } = await setup("restart", WORST * 6n);
    await publish(t.tenantId, [url], t.key, pr);
    for (let i = 0; i < 5; i++) expect((await chat(url, t.key)).status).toBe(200);
    const before = await eventually(async () => {
      const c = await counterOf(pr, budget);
      const logged = (await loggedRows(t.tenantId)).reduce((s, r) => s + r.costMicros, 0n);
      return c.reserved === 0n && logged === c.spent && logged > 0n ? c.spent : undefined;
    }, { what: "counter settled and logged" });

    await priv.stop();
    await priv.start();
    expect(await pr.exists(budgetCounter(budget, "-", new Date()).key)).toBe(0);

    // The next requests seed the counter from the log (not 0) and are charged on top of it:
    // the budget runs out exactly where it would have without the restart.
    const first = await eventually(async () => {
      const r = await chat(url, t.key);
      return r.status === 503 ? undefined : r;
    }, { what: "gateway answering again after the restart" });
    expect(first.status).toBe(200);
    const each = micros(first.headers.get("x-gatehouse-cost-usd"));
    await first.arrayBuffer();
    expect(each * 5n).toBe(before);
    // The settle runs once the answer has gone out: wait for it, then the exact figure.
    const settled = await eventually(async () => {
      const c = await counterOf(pr, budget);
      return c.reserved === 0n ? c : undefined;
    }, { what: "the first request after the restart settled" });
    expect(settled.spent).toBe(before + each);
    let admitted = 1;
    for (let i = 0; i < 20; i++) {
      const r = await chat(url, t.key);
      await r.arrayBuffer();
      if (r.status !== 200) {
        expect(r.status).toBe(429);
        break;
      }
      admitted++;
    }
    let expected = 0;
    for (let spent = before; spent + WORST <= budget.limitMicros; spent += each) expected++;
    expect(admitted).toBe(expected);
    expect((await counterOf(pr, budget)).spent).toBeLessThanOrEqual(budget.limitMicros);
  }, 180_000);
});
