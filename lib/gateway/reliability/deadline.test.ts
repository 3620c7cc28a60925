import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { BadRequestError } from "@/lib/errors";
import { abortKindOf, DeadlineAbortError, parseCallerTimeoutMs, startDeadline } from "./deadline";

// Fake timers: time moves only when the test says so, and we assert on the
// abort reason, never on elapsed wall-clock time.
beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});
const clock = (): number => Date.now();

describe("request budget", () => {
  it("is the route's total timeout, and the caller's header may lower it", () => {
    expect(startDeadline({ totalTimeoutMs: 60_000, clock }).budgetMs).toBe(60_000);
    expect(startDeadline({ totalTimeoutMs: 60_000, callerTimeoutMs: 5_000, clock }).budgetMs).toBe(5_000);
  });

  it("cannot be raised by the caller's header", () => {
    const d = startDeadline({ totalTimeoutMs: 10_000, callerTimeoutMs: 90_000, clock });
    expect(d.budgetMs).toBe(10_000);
    vi.advanceTimersByTime(10_000);
    expect(d.signal.aborted).toBe(true);
    expect(d.abortKind).toBe("request_deadline");
  });

  it("aborts with request_deadline when the budget runs out, and counts down remainingMs", () => {
    const d = startDeadline({ totalTimeoutMs: 1_000, clock });
    vi.advanceTimersByTime(400);
    expect(d.remainingMs()).toBe(600);
    expect(d.signal.aborted).toBe(false);
    vi.advanceTimersByTime(600);
    expect(d.signal.aborted).toBe(true);
    expect(d.signal.reason).toBeInstanceOf(DeadlineAbortError);
    expect(abortKindOf(d.signal)).toBe("request_deadline");
    expect(d.remainingMs()).toBe(0);
  });

  it("aborts with client_disconnected when the client goes away", () => {
    const client = new AbortController();
    const d = startDeadline({ totalTimeoutMs: 1_000, clientSignal: client.signal, clock });
    const a = d.attempt({ timeoutMs: 500, fallback: false });
    client.abort(new Error("socket closed"));
    expect(d.abortKind).toBe("client_disconnected");
    expect(abortKindOf(a.signal)).toBe("client_disconnected");
    expect(vi.getTimerCount()).toBe(0);
  });

  it("starts aborted when the client is already gone", () => {
    const d = startDeadline({ totalTimeoutMs: 1_000, clientSignal: AbortSignal.abort(), clock });
    expect(d.abortKind).toBe("client_disconnected");
  });
});

describe("attempt budget", () => {
  it("aborts the attempt with attempt_timeout while the request goes on", () => {
    const d = startDeadline({ totalTimeoutMs: 10_000, clock });
    const a = d.attempt({ timeoutMs: 2_000, fallback: false });
    expect(a.timeoutMs).toBe(2_000);
    expect(a.boundBy).toBe("attempt");
    vi.advanceTimersByTime(2_000);
    expect(abortKindOf(a.signal)).toBe("attempt_timeout");
    expect(d.signal.aborted).toBe(false);
    // the next attempt gets a fresh budget
    const b = d.attempt({ timeoutMs: 2_000, fallback: false });
    expect(b.signal.aborted).toBe(false);
    b.dispose();
    d.dispose();
  });

  it("is bounded by what is left of the request: that abort says request_deadline", () => {
    const d = startDeadline({ totalTimeoutMs: 3_000, clock });
    vi.advanceTimersByTime(2_000);
    const a = d.attempt({ timeoutMs: 5_000, fallback: false });
    expect(a.timeoutMs).toBe(1_000);
    expect(a.boundBy).toBe("request");
    vi.advanceTimersByTime(1_000);
    expect(abortKindOf(a.signal)).toBe("request_deadline");
  });

  it("is lowered by the caller's header, which cannot raise it", () => {
    const d = startDeadline({ totalTimeoutMs: 60_000, callerTimeoutMs: 50_000, clock });
    const a = d.attempt({ timeoutMs: 30_000, fallback: false });
    expect(a.timeoutMs).toBe(30_000);
    a.dispose();
    const low = startDeadline({ totalTimeoutMs: 60_000, callerTimeoutMs: 800, clock }).attempt({ timeoutMs: 30_000, fallback: false });
    expect(low.timeoutMs).toBe(800);
  });

  it("uses the shorter fallback budget on targets after the primary", () => {
    const d = startDeadline({ totalTimeoutMs: 60_000, fallbackTimeoutMs: 5_000, clock });
    const primary = d.attempt({ timeoutMs: 20_000, fallback: false });
    const fallback = d.attempt({ timeoutMs: 20_000, fallback: true });
    expect(primary.timeoutMs).toBe(20_000);
    expect(fallback.timeoutMs).toBe(5_000);
    vi.advanceTimersByTime(5_000);
    expect(abortKindOf(fallback.signal)).toBe("attempt_timeout");
    expect(primary.signal.aborted).toBe(false);
    primary.dispose();
    d.dispose();
  });

  it("is aborted at once when created after the request was", () => {
    const d = startDeadline({ totalTimeoutMs: 100, clock });
    vi.advanceTimersByTime(100);
    const a = d.attempt({ timeoutMs: 1_000, fallback: false });
    expect(abortKindOf(a.signal)).toBe("request_deadline");
  });
});

describe("no leaks", () => {
  it("dispose() clears every timer and listener", () => {
    const client = new AbortController();
    const d = startDeadline({ totalTimeoutMs: 10_000, clientSignal: client.signal, clock });
    const attempts = Array.from({ length: 5 }, () => d.attempt({ timeoutMs: 1_000, fallback: false }));
    expect(vi.getTimerCount()).toBe(6);
    for (const a of attempts) a.dispose();
    expect(vi.getTimerCount()).toBe(1);
    d.dispose();
    expect(vi.getTimerCount()).toBe(0);
    // unlinked: a late client abort no longer reaches the disposed deadline
    client.abort();
    expect(d.signal.aborted).toBe(false);
  });

  it("a fired attempt timer cleans up after itself", () => {
    const d = startDeadline({ totalTimeoutMs: 10_000, clock });
    d.attempt({ timeoutMs: 1_000, fallback: false });
    vi.advanceTimersByTime(1_000);
    expect(vi.getTimerCount()).toBe(1);
    d.dispose();
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe("abortKindOf", () => {
  it("finds the reason behind an error that wraps it", () => {
    const reason = new DeadlineAbortError("attempt_timeout", 100);
    expect(abortKindOf(new Error("request aborted", { cause: reason }))).toBe("attempt_timeout");
    expect(abortKindOf(new Error("other"))).toBeNull();
    expect(abortKindOf(new AbortController().signal)).toBeNull();
  });
});

describe("parseCallerTimeoutMs", () => {
  it("accepts a positive integer of ms and refuses anything else with a 400 naming the header", () => {
    expect(parseCallerTimeoutMs(undefined)).toBeNull();
    expect(parseCallerTimeoutMs("")).toBeNull();
    expect(parseCallerTimeoutMs(" 2500 ")).toBe(2_500);
    for (const bad of ["0", "-5", "1.5", "abc", "1e3", "600001"]) {
      let thrown: unknown;
      try {
        parseCallerTimeoutMs(bad);
      } catch (err) {
        thrown = err;
      }
      expect(thrown, bad).toBeInstanceOf(BadRequestError);
      expect((thrown as BadRequestError).param).toBe("x-gatehouse-timeout-ms");
    }
  });
});
