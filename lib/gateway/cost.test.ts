import { describe, expect, it } from "vitest";
import { costMicros, formatUsd } from "@/lib/gateway/cost";
import type { PriceEntry } from "@/lib/gateway/config/types";

const price = (over: Partial<PriceEntry> = {}): PriceEntry => ({
  modelId: "mdl_1",
  inputPerMTokMicros: 2_500_000n, // $2.50 / MTok
  outputPerMTokMicros: 10_000_000n, // $10 / MTok
  cachedInputPerMTokMicros: 1_250_000n,
  cacheWritePerMTokMicros: 0n,
  effectiveFrom: new Date(0),
  ...over,
});
const usage = (over: Partial<Parameters<typeof costMicros>[1]> = {}) => ({ promptTokens: 0, completionTokens: 0, cachedTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0, ...over });

describe("costMicros", () => {
  it("charges input and output per million tokens", () => {
    // 1000 in at $2.50/M = 2500 µ$, 500 out at $10/M = 5000 µ$
    expect(costMicros(price(), usage({ promptTokens: 1000, completionTokens: 500 }))).toBe(7_500n);
  });

  it("charges cached reads at the cached price, out of the prompt", () => {
    // 600 uncached at 2.5 = 1500, 400 cached at 1.25 = 500
    expect(costMicros(price(), usage({ promptTokens: 1000, cachedTokens: 400 }))).toBe(2_000n);
  });

  it("charges tokens without a configured cached/write price at the input price", () => {
    expect(costMicros(price({ cachedInputPerMTokMicros: 0n }), usage({ promptTokens: 1000, cachedTokens: 400 }))).toBe(2_500n);
    expect(costMicros(price(), usage({ promptTokens: 1000, cacheWriteTokens: 1000 }))).toBe(2_500n);
  });

  it("rounds half up once, at the end", () => {
    // 1 token at $0.15/M = 0.15 µ$ -> 0; 4 tokens = 0.6 -> 1
    expect(costMicros(price({ inputPerMTokMicros: 150_000n }), usage({ promptTokens: 1 }))).toBe(0n);
    expect(costMicros(price({ inputPerMTokMicros: 150_000n }), usage({ promptTokens: 4 }))).toBe(1n);
  });
});

describe("formatUsd", () => {
  it("shows dollars with six decimals", () => {
    expect(formatUsd(0n)).toBe("0.000000");
    expect(formatUsd(1_234n)).toBe("0.001234");
    expect(formatUsd(12_000_001n)).toBe("12.000001");
  });
});
