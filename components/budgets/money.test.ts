import { describe, expect, it } from "vitest";
import { dollarsToMicros, microsToDollars, parseThresholds, usedShare } from "./money";

describe("budget form money", () => {
  it("dollars to micro-dollars, exactly", () => {
    expect(dollarsToMicros("12.5")).toBe("12500000");
    expect(dollarsToMicros("$1,000")).toBe("1000000000");
    expect(dollarsToMicros("0.1")).toBe("100000");
    expect(dollarsToMicros(".25")).toBe("250000");
    expect(dollarsToMicros("0.000001")).toBe("1");
    expect(dollarsToMicros("0.0000001")).toBeNull();
    expect(dollarsToMicros("-5")).toBeNull();
    expect(dollarsToMicros("abc")).toBeNull();
    expect(dollarsToMicros("")).toBeNull();
  });

  it("micro-dollars back to what the form shows", () => {
    expect(microsToDollars("12500000")).toBe("12.5");
    expect(microsToDollars("1")).toBe("0.000001");
    expect(microsToDollars("5000000")).toBe("5");
  });

  it("used share and thresholds", () => {
    expect(usedShare("250", "250", "1000")).toBe(0.5);
    expect(usedShare("1500", "0", "1000")).toBe(1.5);
    expect(parseThresholds("50, 80,100%")).toEqual([50, 80, 100]);
    expect(parseThresholds("")).toEqual([]);
    expect(parseThresholds("50, x")).toBeNull();
  });
});
