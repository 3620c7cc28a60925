import { describe, expect, it } from "vitest";
import type { BudgetEntry, PriceEntry, RateLimitEntry } from "@/lib/gateway/config/types";
import {
  approxPromptTokens,
  budgetCounters,
  dollars,
  formatReset,
  periodOf,
  rateCounters,
  rateLimitHeaders,
  retryAfterSeconds,
  worstCase,
  type Subject,
} from "@/lib/gateway/limits/plan";

const created = new Date("2026-03-10T08:00:00Z");

describe("periodOf (UTC)", () => {
  it("a day runs midnight to midnight UTC, whatever the local zone", () => {
    const p = periodOf("day", new Date("2026-12-07T23:59:59.999Z"), created);
    expect(p).toEqual({ key: "d2026-12-07", start: new Date("2026-12-07T00:00:00Z"), end: new Date("2026-12-08T00:00:00Z") });
    expect(periodOf("day", new Date("2026-12-08T00:00:00Z"), created).key).toBe("d2026-12-08");
  });

  it("a month runs from the 1st, across year ends and leap days", () => {
    expect(periodOf("month", new Date("2026-12-31T12:00:00Z"), created)).toEqual({ key: "m2026-12", start: new Date("2026-12-01T00:00:00Z"), end: new Date("2027-01-01T00:00:00Z") });
    expect(periodOf("month", new Date("2028-02-29T23:00:00Z"), created).end).toEqual(new Date("2028-03-01T00:00:00Z"));
  });

  it("a total budget counts from its creation and never resets", () => {
    expect(periodOf("total", new Date("2030-01-01T00:00:00Z"), created)).toEqual({ key: "t", start: created, end: null });
  });
});

const price = (input: bigint, output: bigint): PriceEntry => ({
  modelId: "m",
  inputPerMTokMicros: input,
  outputPerMTokMicros: output,
  cachedInputPerMTokMicros: 0n,
  cacheWritePerMTokMicros: 0n,
  effectiveFrom: new Date(0),
});

describe("worstCase", () => {
  it("prompt x input price + max output x output price, the request's max_tokens first", () => {
    // 1000 prompt tokens at $2.50/M = 2500 micros; 200 output at $10/M = 2000 micros
    const wc = worstCase(1_000, 200, [{ price: price(2_500_000n, 10_000_000n), maxOutputTokens: 16_384 }]);
    expect(wc).toEqual({ costMicros: 4_500n, promptTokens: 1_000, maxOutputTokens: 200, tokens: 1_200, unpriced: false });
  });

  it("without max_tokens, the model's maxOutputTokens; over a chain, the dearest target", () => {
    const wc = worstCase(100, null, [
      { price: price(1_000_000n, 1_000_000n), maxOutputTokens: 1_000 },
      { price: price(3_000_000n, 15_000_000n), maxOutputTokens: 500 },
    ]);
    // first: 100 + 1000 = 1100 micros; second: 300 + 7500 = 7800 micros
    expect(wc.costMicros).toBe(7_800n);
    expect(wc.maxOutputTokens).toBe(1_000);
    expect(wc.tokens).toBe(1_100);
  });

  it("a target without a price counts 0 and is flagged", () => {
    expect(worstCase(10, 10, [{ price: null, maxOutputTokens: 10 }])).toMatchObject({ costMicros: 0n, unpriced: true });
  });

  it("approximates prompt tokens as ceil(chars / 4) of the messages as JSON (until the tokens stage lands)", () => {
    const messages = [{ role: "user", content: "hello" }];
    expect(approxPromptTokens(messages)).toBe(Math.ceil(JSON.stringify(messages).length / 4));
    expect(approxPromptTokens(undefined)).toBe(0);
  });
});

describe("headers", () => {
  it("formats reset durations the way OpenAI does", () => {
    expect(formatReset(0)).toBe("0ms");
    expect(formatReset(20)).toBe("20ms");
    expect(formatReset(999.2)).toBe("1s");
    expect(formatReset(1_000)).toBe("1s");
    expect(formatReset(1_500)).toBe("1.5s");
    expect(formatReset(60_000)).toBe("1m0s");
    expect(formatReset(360_000)).toBe("6m0s");
    expect(formatReset(61_250)).toBe("1m1.25s");
  });

  it("retry-after is whole seconds rounded up, at least 1", () => {
    expect(retryAfterSeconds(0)).toBe(1);
    expect(retryAfterSeconds(1)).toBe(1);
    expect(retryAfterSeconds(1_000)).toBe(1);
    expect(retryAfterSeconds(1_001)).toBe(2);
    expect(retryAfterSeconds(59_999)).toBe(60);
  });

  it("reports the tightest limit of each kind; leaves out kinds without a limit", () => {
    const h = rateLimitHeaders(
      [
        { limit: 1_000, remaining: 10, resetMs: 60_000 },
        { limit: 100, remaining: 50, resetMs: 30_000 },
      ],
      [],
    );
    expect(h).toEqual({ "x-ratelimit-limit-requests": "1000", "x-ratelimit-remaining-requests": "10", "x-ratelimit-reset-requests": "1m0s" });
    expect(rateLimitHeaders([], [{ limit: 5_000, remaining: 0, resetMs: 1_500 }])).toEqual({
      "x-ratelimit-limit-tokens": "5000",
      "x-ratelimit-remaining-tokens": "0",
      "x-ratelimit-reset-tokens": "1.5s",
    });
  });

  it("dollars for messages", () => {
    expect(dollars(0n)).toBe("$0.00");
    expect(dollars(1_500_000n)).toBe("$1.50");
    expect(dollars(1_234_567n)).toBe("$1.234567");
  });
});

describe("which limits and budgets apply", () => {
  const s: Subject = { tenantId: "ten_1", apiKeyId: "key_1", featureId: "fea_1", endUserId: "user:42", ip: "10.0.0.1" };
  const budget = (f: Partial<BudgetEntry>): BudgetEntry => ({
    id: "bdg_x",
    tenantId: "ten_1",
    name: "b",
    scope: "tenant",
    featureId: null,
    apiKeyId: null,
    endUserId: null,
    period: "day",
    limitMicros: 1n,
    hard: true,
    alertThresholds: [],
    createdAt: created,
    ...f,
  });
  const at = new Date("2026-12-07T10:00:00Z");

  it("budgets: one counter per subject and period, keys tagged with the tenant for Redis Cluster", () => {
    const counters = budgetCounters(
      [
        budget({ id: "bdg_t" }),
        budget({ id: "bdg_f", scope: "feature", featureId: "fea_1" }),
        budget({ id: "bdg_f2", scope: "feature", featureId: "fea_2" }),
        budget({ id: "bdg_tf", scope: "tenant_feature" }),
        budget({ id: "bdg_k", scope: "api_key" }),
        budget({ id: "bdg_u", scope: "end_user", period: "month" }),
        budget({ id: "bdg_u2", scope: "end_user", endUserId: "someone-else" }),
      ],
      s,
      at,
    );
    expect(counters.map((c) => c.key)).toEqual([
      "gh:lim:{ten_1}:b:bdg_t:d2026-12-07:-",
      "gh:lim:{ten_1}:b:bdg_f:d2026-12-07:fea_1",
      "gh:lim:{ten_1}:b:bdg_tf:d2026-12-07:fea_1",
      "gh:lim:{ten_1}:b:bdg_k:d2026-12-07:key_1",
      "gh:lim:{ten_1}:b:bdg_u:m2026-12:user_42",
    ]);
    expect(counters[0]?.expireAtMs).toBe(new Date("2026-12-08T01:00:00Z").getTime());
    expect(budgetCounters([budget({ scope: "end_user" })], { ...s, endUserId: null }, at)).toEqual([]);
  });

  it("rate limits: per subject of the scope, narrowed by feature or key", () => {
    const limit = (f: Partial<RateLimitEntry>): RateLimitEntry => ({
      id: "rtl_x",
      tenantId: "ten_1",
      scope: "tenant",
      featureId: null,
      apiKeyId: null,
      requestsPerMinute: 10,
      tokensPerMinute: null,
      maxConcurrent: null,
      ...f,
    });
    const counters = rateCounters(
      [
        limit({ id: "rtl_ip", scope: "ip" }),
        limit({ id: "rtl_other_key", scope: "api_key", apiKeyId: "key_2" }),
        limit({ id: "rtl_other_feature", scope: "tenant", featureId: "fea_9" }),
        limit({ id: "rtl_user", scope: "end_user" }),
      ],
      s,
    );
    expect(counters.map((c) => c.requestsKey)).toEqual(["gh:lim:{ten_1}:rl:rtl_ip:10.0.0.1:rq", "gh:lim:{ten_1}:rl:rtl_user:user_42:rq"]);
  });
});
