import { describe, expect, it } from "vitest";
import { LogLimit } from "@/lib/gateway/record/log-limit";

describe("LogLimit", () => {
  it("lets perSecond lines through per window, counts the rest and reports them on the next line written", () => {
    let now = 0;
    const limit = new LogLimit(3, () => now);
    expect([limit.take(), limit.take(), limit.take()]).toEqual([{ suppressed: 0 }, { suppressed: 0 }, { suppressed: 0 }]);
    for (let i = 0; i < 1000; i++) expect(limit.take()).toBeNull();
    now = 999;
    expect(limit.take()).toBeNull();
    now = 1_000;
    expect(limit.take()).toEqual({ suppressed: 1001 });
    expect(limit.take()).toEqual({ suppressed: 0 });
  });

  it("a quiet process never drops a line", () => {
    let now = 0;
    const limit = new LogLimit(1, () => now);
    for (let i = 0; i < 5; i++) {
      expect(limit.take()).toEqual({ suppressed: 0 });
      now += 1_000;
    }
  });
});
