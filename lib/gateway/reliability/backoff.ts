/**
 * Exponential backoff with FULL jitter (AWS Architecture Blog, "Exponential
 * Backoff And Jitter"): the n-th retry (n = 0 for the first) waits a uniformly
 * random time in [0, min(cap, base * 2^n)). Full jitter spreads a burst of
 * clients that failed together, so they do not retry together.
 *
 * A provider's `retry-after` (429/503) is a floor, never a ceiling:
 * delay = max(retryAfter, jittered). The request's remaining time budget is a
 * hard ceiling: when `retry-after` alone does not fit in it, retrying this
 * target is pointless and the caller moves on to the next target.
 */

export interface BackoffOptions {
  /** Base of the exponential, in ms. */
  baseMs: number;
  /** Upper bound of the jittered delay, in ms (retry-after may exceed it). */
  capMs: number;
  /** Injectable for tests: returns a number in [0, 1). */
  random?: () => number;
}

export const DEFAULT_BACKOFF: Readonly<BackoffOptions> = { baseMs: 100, capMs: 2_000 };

/** `random_between(0, min(cap, base * 2^attempt))`, attempt 0 = first retry. Integer ms. */
export function fullJitterMs(attempt: number, opts: BackoffOptions = DEFAULT_BACKOFF): number {
  const random = opts.random ?? Math.random;
  const exp = Math.min(opts.capMs, opts.baseMs * 2 ** Math.min(Math.max(attempt, 0), 30));
  return Math.floor(random() * Math.max(exp, 0));
}

export type RetryDelay =
  | { retry: true; delayMs: number; source: "backoff" | "retry_after" }
  | { retry: false; reason: "retry_after_exceeds_deadline" | "deadline_exhausted" };

export interface RetryDelayInput {
  /** 0 for the first retry on this target. */
  attempt: number;
  /** From the provider's `retry-after` / `retry-after-ms`, when it sent one. */
  retryAfterMs?: number | null;
  /** What is left of the request's time budget (RequestDeadline.remainingMs()). */
  remainingMs: number;
  /** Time the retried attempt needs at least, after the wait (default 0). */
  minAttemptMs?: number;
  backoff?: BackoffOptions;
}

/**
 * How long to wait before retrying on the same target, or why not to.
 * Gives up when the wait would leave less than `minAttemptMs` of the budget.
 */
export function computeRetryDelay(input: RetryDelayInput): RetryDelay {
  const minAttempt = input.minAttemptMs ?? 0;
  const usable = input.remainingMs - minAttempt;
  const retryAfter = input.retryAfterMs != null && input.retryAfterMs > 0 ? input.retryAfterMs : 0;
  if (retryAfter > 0 && retryAfter >= usable) return { retry: false, reason: "retry_after_exceeds_deadline" };
  const jittered = fullJitterMs(input.attempt, input.backoff ?? DEFAULT_BACKOFF);
  const delayMs = Math.max(retryAfter, jittered);
  if (delayMs >= usable) return { retry: false, reason: "deadline_exhausted" };
  return { retry: true, delayMs, source: retryAfter >= jittered && retryAfter > 0 ? "retry_after" : "backoff" };
}

/**
 * Parses `retry-after-ms` (OpenAI, Azure) or `retry-after` (seconds or an
 * HTTP date) into ms; null when absent or unparseable. Negative -> 0.
 */
export function parseRetryAfterMs(
  headers: { "retry-after"?: string | null; "retry-after-ms"?: string | null },
  now: number = Date.now(),
): number | null {
  const ms = headers["retry-after-ms"];
  if (ms != null && ms.trim() !== "") {
    const n = Number(ms);
    if (Number.isFinite(n)) return Math.max(0, Math.ceil(n));
  }
  const ra = headers["retry-after"];
  if (ra == null || ra.trim() === "") return null;
  if (/^\s*\d+(\.\d+)?\s*$/.test(ra)) return Math.max(0, Math.ceil(Number(ra) * 1000));
  const date = Date.parse(ra);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

/**
 * Waits `ms`, or rejects with `signal.reason` as soon as the signal aborts
 * (the request deadline, a client disconnect). The timer is always cleared.
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(signal.reason);
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
