import { describe, expect, it } from "vitest";
import { computeRetryDelay, fullJitterMs, parseRetryAfterMs, sleep } from "./backoff";

/** A deterministic sequence of "random" numbers in [0, 1). */
function seq(...values: number[]): () => number {
  let i = 0;
  return () => {
    const v = values[i % values.length];
    i++;
    return v ?? 0;
  };
}

describe("fullJitterMs", () => {
  it("draws uniformly in [0, min(cap, base * 2^attempt)) by the random it is given", () => {
    const opts = { baseMs: 100, capMs: 1_000 };
    expect(fullJitterMs(0, { ...opts, random: () => 0 })).toBe(0);
    expect(fullJitterMs(0, { ...opts, random: () => 0.5 })).toBe(50);
    expect(fullJitterMs(2, { ...opts, random: () => 0.5 })).toBe(200);
    expect(fullJitterMs(2, { ...opts, random: () => 0.999999 })).toBe(399);
    // capped: 100 * 2^5 = 3200 > 1000
    expect(fullJitterMs(5, { ...opts, random: () => 0.5 })).toBe(500);
    expect(fullJitterMs(60, { ...opts, random: () => 0.999999 })).toBe(999);
  });

  it("stays within bounds and is spread out over many draws", () => {
    let state = 42;
    // A small LCG: reproducible, yet not a constant.
    const random = (): number => {
      state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
      return state / 2 ** 31;
    };
    for (let attempt = 0; attempt < 8; attempt++) {
      const bound = Math.min(2_000, 100 * 2 ** attempt);
      const draws = Array.from({ length: 2_000 }, () => fullJitterMs(attempt, { baseMs: 100, capMs: 2_000, random }));
      expect(Math.min(...draws)).toBeGreaterThanOrEqual(0);
      expect(Math.max(...draws)).toBeLessThan(bound);
      const mean = draws.reduce((a, b) => a + b, 0) / draws.length;
      // Full jitter: mean close to half the bound, and both halves populated.
      expect(mean).toBeGreaterThan(bound * 0.4);
      expect(mean).toBeLessThan(bound * 0.6);
      expect(draws.filter((d) => d < bound / 2).length).toBeGreaterThan(draws.length * 0.4);
    }
  });
});

describe("computeRetryDelay", () => {
  const backoff = { baseMs: 100, capMs: 2_000, random: () => 0.5 };

  it("uses the jittered backoff when there is no retry-after", () => {
    expect(computeRetryDelay({ attempt: 1, remainingMs: 10_000, backoff })).toEqual({ retry: true, delayMs: 100, source: "backoff" });
  });

  it("honours retry-after as a floor: max(retryAfter, jittered)", () => {
    expect(computeRetryDelay({ attempt: 0, retryAfterMs: 1_500, remainingMs: 10_000, backoff })).toEqual({
      retry: true,
      delayMs: 1_500,
      source: "retry_after",
    });
    // jitter larger than retry-after: the jitter wins
    expect(computeRetryDelay({ attempt: 4, retryAfterMs: 10, remainingMs: 10_000, backoff })).toEqual({
      retry: true,
      delayMs: 800,
      source: "backoff",
    });
  });

  it("gives up on the target when retry-after does not fit in the remaining budget", () => {
    expect(computeRetryDelay({ attempt: 0, retryAfterMs: 5_000, remainingMs: 4_000, backoff })).toEqual({
      retry: false,
      reason: "retry_after_exceeds_deadline",
    });
    // ... including the time the retried attempt needs
    expect(computeRetryDelay({ attempt: 0, retryAfterMs: 3_000, remainingMs: 4_000, minAttemptMs: 1_500, backoff })).toEqual({
      retry: false,
      reason: "retry_after_exceeds_deadline",
    });
    expect(computeRetryDelay({ attempt: 0, retryAfterMs: 3_000, remainingMs: 4_000, minAttemptMs: 500, backoff })).toMatchObject({
      retry: true,
      delayMs: 3_000,
    });
  });

  it("never waits beyond the remaining deadline", () => {
    expect(computeRetryDelay({ attempt: 4, remainingMs: 700, backoff })).toEqual({ retry: false, reason: "deadline_exhausted" });
    expect(computeRetryDelay({ attempt: 0, remainingMs: 0, backoff: { ...backoff, random: seq(0) } })).toEqual({
      retry: false,
      reason: "deadline_exhausted",
    });
  });
});

describe("parseRetryAfterMs", () => {
  it("reads retry-after-ms, seconds and HTTP dates", () => {
    const now = Date.parse("2026-01-01T00:00:00Z");
    expect(parseRetryAfterMs({ "retry-after-ms": "250" }, now)).toBe(250);
    expect(parseRetryAfterMs({ "retry-after": "2" }, now)).toBe(2_000);
    expect(parseRetryAfterMs({ "retry-after": "0.5" }, now)).toBe(500);
    expect(parseRetryAfterMs({ "retry-after": "Thu, 01 Jan 2026 00:00:03 GMT" }, now)).toBe(3_000);
    expect(parseRetryAfterMs({ "retry-after": "Wed, 31 Dec 2025 23:00:00 GMT" }, now)).toBe(0);
    expect(parseRetryAfterMs({ "retry-after-ms": "120", "retry-after": "9" }, now)).toBe(120);
    expect(parseRetryAfterMs({}, now)).toBeNull();
    expect(parseRetryAfterMs({ "retry-after": "soon" }, now)).toBeNull();
  });
});

describe("sleep", () => {
  it("rejects with the signal's reason when aborted, without waiting", async () => {
    const ac = new AbortController();
    const reason = new Error("deadline");
    const p = sleep(60_000, ac.signal);
    ac.abort(reason);
    await expect(p).rejects.toBe(reason);
  });

  it("resolves at once for 0 ms and rejects at once on an aborted signal", async () => {
    await expect(sleep(0)).resolves.toBeUndefined();
    await expect(sleep(10, AbortSignal.abort("gone"))).rejects.toBe("gone");
  });
});
