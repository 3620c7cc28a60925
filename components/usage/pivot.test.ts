import { describe, expect, it } from "vitest";
import { bucketsOf, OTHER, pivot, topKeys } from "@/components/usage/pivot";
import type { UsagePoint } from "@/lib/usage/schema";

const p = (bucketStart: string, key: string, costMicros: string, promptTokens = 0): UsagePoint => ({
  bucketStart,
  key,
  requests: 1,
  errors: 0,
  promptTokens,
  completionTokens: 0,
  costMicros,
});

describe("usage chart rows", () => {
  it("has one row per bucket of the range, zeros where nothing happened", () => {
    const buckets = bucketsOf("hour", "2026-12-07T10:00:00.000Z", "2026-12-07T13:30:00.000Z");
    expect(buckets.map((t) => new Date(t).toISOString())).toEqual([
      "2026-12-07T10:00:00.000Z",
      "2026-12-07T11:00:00.000Z",
      "2026-12-07T12:00:00.000Z",
      "2026-12-07T13:00:00.000Z",
    ]);
    const points = [p("2026-12-07T11:00:00.000Z", "a", "1500000", 10)];
    const { rows, columns } = pivot(points, buckets, ["a"], (x) => x.promptTokens);
    expect(columns).toEqual(["a"]);
    expect(rows.map((r) => r.a)).toEqual([0, 10, 0, 0]);
  });

  it("keeps the most expensive groups and sums the rest as Other", () => {
    const points = [
      p("2026-12-07T10:00:00.000Z", "cheap", "1"),
      p("2026-12-07T10:00:00.000Z", "big", "9000000"),
      p("2026-12-07T10:00:00.000Z", "mid", "500"),
      p("2026-12-07T11:00:00.000Z", "cheap", "2"),
    ];
    const keys = topKeys(points, 2);
    expect(keys).toEqual(["big", "mid"]);
    const { rows, columns } = pivot(points, bucketsOf("hour", "2026-12-07T10:00:00.000Z", "2026-12-07T12:00:00.000Z"), keys, (x) => Number(x.costMicros));
    expect(columns).toEqual(["big", "mid", OTHER]);
    expect(rows[0]).toMatchObject({ big: 9_000_000, mid: 500, [OTHER]: 1 });
    expect(rows[1]).toMatchObject({ big: 0, mid: 0, [OTHER]: 2 });
  });
});
