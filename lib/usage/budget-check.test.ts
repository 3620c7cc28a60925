import { describe, expect, it } from "vitest";
import { crossedThresholds, periodStartOf } from "@/lib/usage/budget-check";

describe("budget thresholds", () => {
  it("are crossed in integer arithmetic, each once, in order", () => {
    expect(crossedThresholds([80, 50, 100, 50], 499_999n, 1_000_000n)).toEqual([]);
    expect(crossedThresholds([80, 50, 100], 500_000n, 1_000_000n)).toEqual([50]);
    expect(crossedThresholds([100, 80, 50], 1_000_000n, 1_000_000n)).toEqual([50, 80, 100]);
    // Beyond 2^53: no float rounding.
    expect(crossedThresholds([100], 9_007_199_254_740_993n, 9_007_199_254_740_993n)).toEqual([100]);
    expect(crossedThresholds([100], 9_007_199_254_740_992n, 9_007_199_254_740_993n)).toEqual([]);
    expect(crossedThresholds([50], 10n, 0n)).toEqual([]);
  });

  it("count from the start of the UTC day, the UTC month, or ever", () => {
    const now = new Date("2026-12-07T23:59:59.999Z");
    expect(periodStartOf("day", now).toISOString()).toBe("2026-12-07T00:00:00.000Z");
    expect(periodStartOf("month", now).toISOString()).toBe("2026-12-01T00:00:00.000Z");
    expect(periodStartOf("total", now).toISOString()).toBe("1970-01-01T00:00:00.000Z");
  });
});
