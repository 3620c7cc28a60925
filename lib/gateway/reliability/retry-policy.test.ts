import { describe, expect, it } from "vitest";
import { countsAsCircuitFailure, decideAfterFailure, RETRY_RULES, type ErrorClass } from "./retry-policy";

const backoff = { baseMs: 100, capMs: 2_000, random: () => 0.5 };
const base = { retriesSoFar: 0, maxRetries: 2, remainingMs: 30_000, backoff };

describe("decideAfterFailure", () => {
  it("retries transient classes up to the target's maxRetries, then moves on", () => {
    for (const errorClass of ["server", "overloaded", "rate_limited", "reset"] as const) {
      expect(decideAfterFailure({ ...base, errorClass })).toEqual({ action: "retry", delayMs: 50, delaySource: "backoff" });
      expect(decideAfterFailure({ ...base, errorClass, retriesSoFar: 1 })).toEqual({ action: "retry", delayMs: 100, delaySource: "backoff" });
      expect(decideAfterFailure({ ...base, errorClass, retriesSoFar: 2 })).toEqual({ action: "next_target", reason: "retries_exhausted" });
      expect(decideAfterFailure({ ...base, errorClass, maxRetries: 0 })).toEqual({ action: "next_target", reason: "not_retryable_on_target" });
    }
  });

  it("retries timeouts, connect errors and early stream cuts once at most", () => {
    for (const errorClass of ["timeout", "connect", "stream_cut"] as const) {
      expect(decideAfterFailure({ ...base, errorClass, maxRetries: 5 })).toMatchObject({ action: "retry" });
      expect(decideAfterFailure({ ...base, errorClass, maxRetries: 5, retriesSoFar: 1 })).toEqual({
        action: "next_target",
        reason: "retries_exhausted",
      });
    }
  });

  it("moves straight to the next target on faults of the target itself", () => {
    for (const errorClass of ["auth", "not_found", "malformed"] as const) {
      expect(decideAfterFailure({ ...base, errorClass })).toEqual({ action: "next_target", reason: "not_retryable_on_target" });
    }
  });

  it("stops on the caller's own errors: no retry, no fallback", () => {
    for (const errorClass of ["bad_request", "context_length", "content_filter"] as const) {
      expect(decideAfterFailure({ ...base, errorClass })).toEqual({ action: "stop", reason: "caller_error" });
    }
    expect(decideAfterFailure({ ...base, errorClass: "cancelled" })).toEqual({ action: "stop", reason: "cancelled" });
  });

  it("honours retry-after on rate limits, and gives up on the target when it exceeds the budget", () => {
    expect(decideAfterFailure({ ...base, errorClass: "rate_limited", retryAfterMs: 1_200 })).toEqual({
      action: "retry",
      delayMs: 1_200,
      delaySource: "retry_after",
    });
    expect(decideAfterFailure({ ...base, errorClass: "rate_limited", retryAfterMs: 40_000 })).toEqual({
      action: "next_target",
      reason: "retry_after_exceeds_deadline",
    });
    // classes that do not honour retry-after ignore it
    expect(decideAfterFailure({ ...base, errorClass: "reset", retryAfterMs: 40_000 })).toEqual({
      action: "retry",
      delayMs: 50,
      delaySource: "backoff",
    });
  });

  it("does nothing more once the budget is spent or the client got bytes", () => {
    expect(decideAfterFailure({ ...base, errorClass: "server", remainingMs: 0 })).toEqual({
      action: "next_target",
      reason: "deadline_exhausted",
    });
    expect(decideAfterFailure({ ...base, errorClass: "stream_cut", clientBytesSent: true })).toEqual({
      action: "stop",
      reason: "client_bytes_sent",
    });
  });
});

describe("RETRY_RULES", () => {
  it("counts only target-side failures against the circuit", () => {
    const counted = (Object.keys(RETRY_RULES) as ErrorClass[]).filter(countsAsCircuitFailure).sort();
    expect(counted).toEqual(
      ["auth", "connect", "malformed", "not_found", "overloaded", "rate_limited", "reset", "server", "stream_cut", "timeout"].sort(),
    );
  });
});
