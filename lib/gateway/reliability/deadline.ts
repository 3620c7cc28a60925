/**
 * Nested timeouts for one gateway request.
 *
 *   request budget = min(route.totalTimeoutMs, caller's x-gatehouse-timeout-ms)
 *   attempt budget = min(target.timeoutMs, fallbackTimeoutMs (non-primary targets only),
 *                        caller's x-gatehouse-timeout-ms, what is left of the request budget)
 *
 * The caller's header can only lower a budget, never raise one. Every budget
 * is an AbortSignal whose `reason` is a `DeadlineAbortError` naming why it
 * fired: `attempt_timeout` (this attempt took too long: retry or fall back),
 * `request_deadline` (the whole request is out of time: stop, static answer
 * or 504) or `client_disconnected` (nobody is listening: stop, log, no
 * answer). `abortKindOf(err)` reads it back from whatever undici rejected with.
 *
 * When an attempt's budget is bound by the request's remaining time, no
 * attempt timer is set: the request deadline fires and the reason is
 * `request_deadline`, never an ambiguous tie.
 *
 * Signals are linked by hand (the request follows the client with one
 * listener; attempts follow the request through a set), removed in dispose(),
 * rather than with AbortSignal.any, so a long-lived request does not
 * accumulate references to finished attempts; every timer is cleared by
 * dispose(). The request's own AbortSignal is made only when something asks
 * for it (a retry's wait): an AbortController per request is measurable CPU.
 * Timers are unref'd: a pending deadline never keeps a process alive.
 */
import { BadRequestError } from "@/lib/errors";

export type AbortKind = "attempt_timeout" | "request_deadline" | "client_disconnected";

export class DeadlineAbortError extends Error {
  override name = "DeadlineAbortError";
  constructor(
    readonly kind: AbortKind,
    /** The budget that ran out, in ms (absent for client_disconnected). */
    readonly budgetMs?: number,
    options?: { cause?: unknown },
  ) {
    super(
      kind === "client_disconnected"
        ? "The client disconnected"
        : kind === "attempt_timeout"
          ? `Attempt timed out after ${budgetMs} ms`
          : `Request deadline of ${budgetMs} ms exceeded`,
      options,
    );
  }
}

/**
 * The AbortKind behind an aborted signal or an error thrown by an aborted
 * call (the reason itself, or an error whose `cause` chain holds it).
 */
export function abortKindOf(value: unknown): AbortKind | null {
  let v: unknown = value instanceof AbortSignal ? (value.aborted ? value.reason : null) : value;
  for (let depth = 0; depth < 5 && v != null; depth++) {
    if (v instanceof DeadlineAbortError) return v.kind;
    v = typeof v === "object" && "cause" in v ? (v as { cause: unknown }).cause : null;
  }
  return null;
}

/** Upper bound of `x-gatehouse-timeout-ms`: ten minutes. */
export const MAX_CALLER_TIMEOUT_MS = 600_000;

/**
 * Parses `x-gatehouse-timeout-ms`: absent -> null; a positive integer of ms
 * otherwise, or a 400 naming the header.
 */
export function parseCallerTimeoutMs(value: string | undefined | null): number | null {
  if (value == null || value.trim() === "") return null;
  const trimmed = value.trim();
  const n = Number(trimmed);
  if (!/^\d+$/.test(trimmed) || !Number.isSafeInteger(n) || n < 1 || n > MAX_CALLER_TIMEOUT_MS) {
    throw new BadRequestError(
      `x-gatehouse-timeout-ms must be an integer number of milliseconds between 1 and ${MAX_CALLER_TIMEOUT_MS}`,
      "x-gatehouse-timeout-ms",
    );
  }
  return n;
}

export interface DeadlineConfig {
  /** route.totalTimeoutMs: all attempts of the request together. */
  totalTimeoutMs: number;
  /** Cap per attempt on every target after the primary (route config); null = target's own. */
  fallbackTimeoutMs?: number | null;
  /** Parsed x-gatehouse-timeout-ms; may only lower the budgets. */
  callerTimeoutMs?: number | null;
  /** GatewayRequest.signal: aborts when the client goes away. */
  clientSignal?: AbortSignal;
  /** Monotonic ms clock; injectable for tests. */
  clock?: () => number;
}

const monotonic = (): number => performance.now();

function minDefined(...values: Array<number | null | undefined>): number {
  let m = Number.POSITIVE_INFINITY;
  for (const v of values) if (v != null && v < m) m = v;
  return m;
}

/** Calls onAbort when parent aborts (not when it already has: check that yourself); undone by the returned function. */
function link(parent: AbortSignal, onAbort: () => void): () => void {
  if (parent.aborted) return () => undefined;
  parent.addEventListener("abort", onAbort, { once: true });
  return () => parent.removeEventListener("abort", onAbort);
}

export class RequestDeadline {
  /** The request's budget after the caller's header, in ms. */
  readonly budgetMs: number;
  private controller: AbortController | null = null;
  /** Why the request was aborted; null while it runs. */
  private reason: DeadlineAbortError | null = null;
  /** Live attempts, told when the request is aborted (see `signal`). */
  private readonly attempts = new Set<AttemptDeadline>();
  private readonly clock: () => number;
  private readonly startedAt: number;
  private readonly timer: NodeJS.Timeout;
  private readonly unlinkClient: () => void;
  private readonly cfg: DeadlineConfig;
  private disposed = false;

  constructor(cfg: DeadlineConfig) {
    this.cfg = cfg;
    this.clock = cfg.clock ?? monotonic;
    this.startedAt = this.clock();
    this.budgetMs = Math.max(0, minDefined(cfg.totalTimeoutMs, cfg.callerTimeoutMs));
    this.timer = setTimeout(() => this.abort(new DeadlineAbortError("request_deadline", this.budgetMs)), this.budgetMs);
    this.timer.unref?.();
    const client = cfg.clientSignal;
    this.unlinkClient = client
      ? link(client, () => this.abort(new DeadlineAbortError("client_disconnected", undefined, { cause: client.reason })))
      : () => undefined;
    if (client?.aborted) this.abort(new DeadlineAbortError("client_disconnected", undefined, { cause: client.reason }));
  }

  /**
   * Aborted with the DeadlineAbortError when the request is over. Made on
   * first use: a request that needs no signal of its own (one attempt, no
   * retry wait, no stream) never pays for an AbortController; its attempts
   * hear of an abort directly (`attempts`), in the order they started.
   */
  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.reason) this.controller.abort(this.reason);
    }
    return this.controller.signal;
  }

  /** True once the request is aborted (same as `signal.aborted`, without making the signal). */
  get aborted(): boolean {
    return this.reason !== null;
  }

  /** The DeadlineAbortError of an aborted request, else null. */
  get abortReason(): DeadlineAbortError | null {
    return this.reason;
  }

  /** ms left of the request budget (0 once spent or aborted). */
  remainingMs(): number {
    if (this.reason) return 0;
    return Math.max(0, this.budgetMs - (this.clock() - this.startedAt));
  }

  /** Why the request was aborted, if it was. */
  get abortKind(): AbortKind | null {
    return this.reason?.kind ?? null;
  }

  /**
   * The budget of one attempt on a target. `fallback` is true for every
   * target after the primary. Dispose it when the attempt is over (finally).
   */
  attempt(opts: { timeoutMs: number; fallback: boolean }): AttemptDeadline {
    const own = minDefined(opts.timeoutMs, opts.fallback ? this.cfg.fallbackTimeoutMs : null, this.cfg.callerTimeoutMs);
    return new AttemptDeadline(this, Math.max(0, own), this.remainingMs());
  }

  /** Clears the timer and the client listener; the signal stays as it is. Idempotent. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    clearTimeout(this.timer);
    this.unlinkClient();
  }

  /** @internal AttemptDeadline's link to this request: returns the unlink. */
  follow(attempt: AttemptDeadline): () => void {
    this.attempts.add(attempt);
    return () => this.attempts.delete(attempt);
  }

  private abort(reason: DeadlineAbortError): void {
    if (this.reason) return;
    this.reason = reason;
    this.controller?.abort(reason);
    for (const a of [...this.attempts]) a.parentAborted(reason);
    this.attempts.clear();
    this.dispose();
  }
}

export class AttemptDeadline {
  readonly signal: AbortSignal;
  /** The effective budget of this attempt, in ms. */
  readonly timeoutMs: number;
  /** Which budget is the tighter one: this attempt's own, or what is left of the request's. */
  readonly boundBy: "attempt" | "request";
  private readonly controller = new AbortController();
  private readonly timer: NodeJS.Timeout | undefined;
  private readonly unlinkParent: () => void;
  private disposed = false;

  constructor(parent: RequestDeadline, ownTimeoutMs: number, requestRemainingMs: number) {
    this.signal = this.controller.signal;
    this.boundBy = ownTimeoutMs < requestRemainingMs ? "attempt" : "request";
    this.timeoutMs = Math.min(ownTimeoutMs, requestRemainingMs);
    const parentReason = parent.abortReason;
    this.unlinkParent = parentReason ? () => undefined : parent.follow(this);
    if (parentReason) {
      this.abort(parentReason);
    } else if (this.boundBy === "attempt") {
      this.timer = setTimeout(() => this.abort(new DeadlineAbortError("attempt_timeout", this.timeoutMs)), this.timeoutMs);
      this.timer.unref?.();
    }
  }

  /**
   * The attempt answered (a stream that goes on after it): its own timeout no
   * longer applies, but its signal keeps following the request's (deadline,
   * client) until dispose(). One signal serves the attempt and its stream.
   */
  endOwnTimeout(): void {
    if (this.timer) clearTimeout(this.timer);
  }

  /** Clears the timer and unlinks from the request signal. Idempotent. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (this.timer) clearTimeout(this.timer);
    this.unlinkParent();
  }

  /** @internal Called by the request deadline when it is aborted. */
  parentAborted(reason: DeadlineAbortError): void {
    this.abort(reason);
  }

  private abort(reason: unknown): void {
    if (this.signal.aborted) return;
    this.controller.abort(reason);
    this.dispose();
  }
}

/** Starts the request's deadline: call as soon as the route (and so totalTimeoutMs) is known. */
export function startDeadline(cfg: DeadlineConfig): RequestDeadline {
  return new RequestDeadline(cfg);
}
