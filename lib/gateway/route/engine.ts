import { GatehouseError } from "@/lib/errors";
import { ProviderError, type ErrorClass } from "@/lib/gateway/providers/types";
import { sleep } from "@/lib/gateway/reliability/backoff";
import type { CircuitBreaker } from "@/lib/gateway/reliability/circuit-breaker";
import { abortKindOf, startDeadline, type AbortKind, type RequestDeadline } from "@/lib/gateway/reliability/deadline";
import { countsAsCircuitFailure, decideAfterFailure } from "@/lib/gateway/reliability/retry-policy";
import { bounded, getCircuitBreaker } from "@/lib/gateway/route/breaker";
import { orderTargets, type PlannedTarget, type RoutePlan } from "@/lib/gateway/route/plan";
import { log, type LogContext } from "@/lib/log";

/**
 * The routing engine (stage 8): walks a route's chain for one request.
 *
 *   for each target, in order (weighted random among equal positions):
 *     killed by a provider / model / target kill switch (stages/switches.ts) -> skip (recorded)
 *     circuit breaker: open -> skip (recorded), forced_open -> always skipped,
 *       forced_closed -> always tried; half-open -> this attempt may be the probe
 *     attempt: its own deadline = min(target timeout, fallback cap for non-primary
 *       targets, caller's x-gatehouse-timeout-ms, what is left of the request budget)
 *     failure -> retry-policy decides: retry here after full-jitter backoff
 *       (retry-after as the floor), move to the next target, or stop (the
 *       caller's own error, client gone)
 *   then: the caller answers with the route's static answer, or a clear error
 *
 * Circuit bookkeeping follows reliability/circuit-breaker.ts: a failure whose
 * class counts -> recordFailure (awaited, bounded: one Redis round trip, on
 * the failure path only); success -> recordSuccess (no Redis write on a
 * healthy target); a probe that fails with a caller error still proves the
 * target answers -> recordSuccess(probe); a probe cut short without a verdict
 * (client gone, request deadline) -> releaseProbe. Every timer and listener
 * of the deadlines is disposed in `finally` (streams: when the stream ends).
 *
 * Every attempt, skipped ones included, is recorded for the request log.
 */

export type AttemptStatus = "ok" | "error" | "timeout" | "aborted" | "skipped";

/** One upstream attempt as the request log stores it (lib/queues/request-log.ts Attempt). */
export interface AttemptRecord {
  /** `provider/model` */
  target: string;
  targetId: string;
  provider: string;
  model: string;
  status: AttemptStatus;
  httpStatus: number | null;
  /** ProviderError class, or why it was skipped (`circuit_open`, `forced_open`, `unusable`). */
  errorClass: string | null;
  latencyMs: number;
  /** Streams: time to the first output chunk. */
  ttftMs: number | null;
  /** 0 for the first try on this target, 1 for the first retry, ... */
  retry: number;
  /** Waited before this attempt (backoff or retry-after), ms. */
  delayMs: number;
  /** Why the engine moved on to the next target after this attempt. */
  fallbackReason: string | null;
}

export interface ChainOptions {
  plan: RoutePlan;
  /** The client's signal (GatewayRequest.signal): aborts everything when it goes away. */
  clientSignal?: AbortSignal;
  /** Parsed x-gatehouse-timeout-ms: may only lower budgets. */
  callerTimeoutMs: number | null;
  breaker?: CircuitBreaker;
  random?: () => number;
  /** The request's ids for the process log (lib/log.ts). */
  log?: LogContext;
}

/** The live signal of a streamed answer after the chain returned it (request deadline + client). */
export interface StreamHandoff {
  signal: AbortSignal;
  deadline: RequestDeadline;
  /** Disposes the deadline and its listeners; call once the stream is over. Idempotent. */
  release(): void;
}

export type ChainFailure =
  /** The request's own fault (bad_request, context_length, content_filter): answer with it as is. */
  | { kind: "caller_error"; error: ProviderError }
  /** The client went away: nobody to answer. */
  | { kind: "cancelled" }
  /** Every target failed or was skipped; the route's static answer may close the chain. */
  | { kind: "exhausted"; error: GatehouseError };

export type ChainResult<T> =
  | {
      ok: true;
      value: T;
      target: PlannedTarget;
      /** The answering attempt (streams update its latency when the stream ends). */
      attempt: AttemptRecord;
      attempts: AttemptRecord[];
      /** Why the first target of the chain did not answer, when another one did. */
      fallbackReason: string | null;
      /** Only when `keepSignal` was asked: the stream's signal and deadline. */
      stream: StreamHandoff | null;
    }
  | { ok: false; attempts: AttemptRecord[]; failure: ChainFailure; fallbackReason: string | null };

/** A call on one target; `signal` aborts it (attempt timeout, request deadline, client gone). */
export type TargetCall<T> = (target: PlannedTarget, signal: AbortSignal) => Promise<T>;

const BREAKER_WRITE_BUDGET_MS = 250;
/** A retry needs at least this much of the request budget left after its wait. */
const MIN_ATTEMPT_MS = 50;

/** Any failure of a call as a ProviderError, the abort kind (ours) taking precedence over what the adapter saw. */
function toProviderError(e: unknown, kind: AbortKind | null, attemptTimeoutMs: number, logContext: LogContext | undefined): ProviderError {
  if (kind === "attempt_timeout") {
    return new ProviderError({ errorClass: "timeout", retryable: true, providerMessage: `no answer within the attempt timeout of ${attemptTimeoutMs} ms`, cause: e });
  }
  if (kind === "request_deadline") {
    return new ProviderError({ errorClass: "timeout", retryable: false, providerMessage: "the request's time budget ran out", cause: e });
  }
  if (kind === "client_disconnected") {
    return new ProviderError({ errorClass: "cancelled", retryable: false, providerMessage: "the client disconnected", cause: e });
  }
  if (e instanceof ProviderError) return e;
  if (e instanceof GatehouseError && e.status < 500) {
    return new ProviderError({ errorClass: "bad_request", retryable: false, status: e.status, providerMessage: e.message, cause: e });
  }
  log("error", "route.attempt_failed_unexpectedly", { err: e }, logContext);
  return new ProviderError({ errorClass: "server", retryable: true, providerMessage: "internal error while calling the provider", cause: e });
}

function statusOfClass(c: ErrorClass): AttemptStatus {
  return c === "timeout" ? "timeout" : c === "cancelled" ? "aborted" : "error";
}

function baseRecord(t: PlannedTarget, retry: number, delayMs: number): Omit<AttemptRecord, "status" | "httpStatus" | "errorClass" | "latencyMs"> {
  return { target: t.label, targetId: t.id, provider: t.providerName, model: t.modelName, ttftMs: null, retry, delayMs, fallbackReason: null };
}

function skipped(t: PlannedTarget, why: string): AttemptRecord {
  return { ...baseRecord(t, 0, 0), status: "skipped", httpStatus: null, errorClass: why, latencyMs: 0, fallbackReason: why };
}

/** What became of one target, for the final error message. */
interface TargetOutcome {
  label: string;
  what: string;
  error: ProviderError | null;
}

export async function runChain<T>(opts: ChainOptions, call: TargetCall<T>, keepSignal = false): Promise<ChainResult<T>> {
  const { plan } = opts;
  const breaker = opts.breaker ?? getCircuitBreaker();
  const deadline = startDeadline({
    totalTimeoutMs: plan.totalTimeoutMs,
    fallbackTimeoutMs: plan.fallbackTimeoutMs,
    callerTimeoutMs: opts.callerTimeoutMs,
    clientSignal: opts.clientSignal,
  });
  const attempts: AttemptRecord[] = [];
  const outcomes: TargetOutcome[] = [];
  let fallbackReason: string | null = null;
  let handedOff = false;
  let outOfTime = false;
  const ordered = orderTargets(plan.targets, opts.random);

  try {
    for (let i = 0; i < ordered.length; i++) {
      const t = ordered[i];
      if (!t) continue;
      if (deadline.aborted) {
        if (deadline.abortKind === "client_disconnected") return cancelled(attempts, fallbackReason);
        outOfTime = true;
        break;
      }
      if (t.unusable) {
        attempts.push(skipped(t, "unusable"));
        outcomes.push({ label: t.label, what: t.unusable, error: null });
        fallbackReason ??= "unusable";
        continue;
      }
      if (t.killSwitch) {
        attempts.push(skipped(t, "kill_switch"));
        outcomes.push({ label: t.label, what: `switched off by kill switch '${t.killSwitch}'`, error: null });
        fallbackReason ??= "kill_switch";
        continue;
      }
      let acq = await breaker.acquire(t.id, t.policy);
      if (!acq.allowed) {
        const why = acq.state === "forced_open" ? "forced_open" : "circuit_open";
        attempts.push(skipped(t, why));
        outcomes.push({ label: t.label, what: why === "forced_open" ? "forced open by an admin" : "circuit open", error: null });
        fallbackReason ??= why;
        continue;
      }

      let retry = 0;
      let delayMs = 0;
      for (;;) {
        const ad = deadline.attempt({ timeoutMs: t.timeoutMs, fallback: i > 0 });
        const started = performance.now();
        let value: T;
        try {
          value = await call(t, ad.signal);
        } catch (e) {
          const kind = abortKindOf(ad.signal);
          ad.dispose();
          const err = toProviderError(e, kind, ad.timeoutMs, opts.log);
          const rec: AttemptRecord = {
            ...baseRecord(t, retry, delayMs),
            status: statusOfClass(err.errorClass),
            httpStatus: err.status ?? null,
            errorClass: err.errorClass,
            latencyMs: Math.round(performance.now() - started),
          };
          attempts.push(rec);
          log("info", "gateway.attempt_failed", { target: t.label, errorClass: err.errorClass, status: err.status, retry }, opts.log);

          if (kind === "client_disconnected" || kind === "request_deadline") {
            // No verdict on the target: free a probe's lease, record nothing.
            if (acq.probe) void breaker.releaseProbe(t.id);
            if (kind === "client_disconnected") return cancelled(attempts, fallbackReason);
            rec.fallbackReason = "request_deadline";
            outcomes.push({ label: t.label, what: `timed out (request budget spent) after ${retry + 1} attempt(s)`, error: err });
            fallbackReason ??= "timeout";
            outOfTime = true;
            break;
          }
          if (countsAsCircuitFailure(err.errorClass)) {
            await bounded(breaker.recordFailure(t.id, t.policy, acq.probe), BREAKER_WRITE_BUDGET_MS, null);
          } else if (acq.probe) {
            await bounded(breaker.recordSuccess(t.id, t.policy, true), BREAKER_WRITE_BUDGET_MS, undefined);
          }
          const decision = decideAfterFailure({
            errorClass: err.errorClass,
            retriesSoFar: retry,
            maxRetries: t.maxRetries,
            retryAfterMs: err.retryAfterMs ?? null,
            remainingMs: deadline.remainingMs(),
            minAttemptMs: MIN_ATTEMPT_MS,
            backoff: plan.backoff,
          });
          if (decision.action === "stop") {
            return { ok: false, attempts, failure: { kind: "caller_error", error: err }, fallbackReason };
          }
          if (decision.action === "next_target") {
            rec.fallbackReason = decision.reason;
            if (decision.reason === "deadline_exhausted") outOfTime = true;
            outcomes.push({ label: t.label, what: describeError(err, retry + 1), error: err });
            fallbackReason ??= err.errorClass;
            break;
          }
          try {
            await sleep(decision.delayMs, deadline.signal);
          } catch {
            if (deadline.abortKind === "client_disconnected") return cancelled(attempts, fallbackReason);
            rec.fallbackReason = "request_deadline";
            outcomes.push({ label: t.label, what: describeError(err, retry + 1), error: err });
            fallbackReason ??= err.errorClass;
            outOfTime = true;
            break;
          }
          acq = await breaker.acquire(t.id, t.policy);
          if (!acq.allowed) {
            rec.fallbackReason = "circuit_open";
            outcomes.push({ label: t.label, what: `${describeError(err, retry + 1)}, then its circuit opened`, error: err });
            fallbackReason ??= err.errorClass;
            break;
          }
          retry++;
          delayMs = decision.delayMs;
          continue;
        }

        // Success.
        const latencyMs = Math.round(performance.now() - started);
        // A stream keeps the attempt's signal: from here on only the request
        // budget and the client bound it (its own timeout no longer applies).
        if (keepSignal) ad.endOwnTimeout();
        else ad.dispose();
        const rec: AttemptRecord = { ...baseRecord(t, retry, delayMs), status: "ok", httpStatus: 200, errorClass: null, latencyMs };
        attempts.push(rec);
        if (acq.probe) await bounded(breaker.recordSuccess(t.id, t.policy, true), BREAKER_WRITE_BUDGET_MS, undefined);
        else void breaker.recordSuccess(t.id, t.policy, false);
        let stream: StreamHandoff | null = null;
        if (keepSignal) {
          let released = false;
          stream = {
            signal: ad.signal,
            deadline,
            release() {
              if (released) return;
              released = true;
              ad.dispose();
              deadline.dispose();
            },
          };
          handedOff = true;
        }
        return { ok: true, value, target: t, attempt: rec, attempts, fallbackReason, stream };
      }
      if (outOfTime) break;
    }

    return { ok: false, attempts, failure: { kind: "exhausted", error: exhaustedError(plan, outcomes, outOfTime, deadline.budgetMs) }, fallbackReason };
  } finally {
    if (!handedOff) deadline.dispose();
  }
}

/** The client went away: nobody to answer. (Not a closure in runChain: tsx names every closure it makes, per request.) */
function cancelled<T>(attempts: AttemptRecord[], fallbackReason: string | null): ChainResult<T> {
  return { ok: false, attempts, failure: { kind: "cancelled" }, fallbackReason };
}

function describeError(err: ProviderError, tries: number): string {
  return `${err.errorClass}${err.status === undefined ? "" : ` (HTTP ${err.status})`} after ${tries} attempt${tries === 1 ? "" : "s"}`;
}

/** The error when nothing answered: 504 out of time, 503 unavailable (circuits, overload), 502 otherwise; naming each target's fate. */
export function exhaustedError(plan: RoutePlan, outcomes: readonly TargetOutcome[], outOfTime: boolean, budgetMs: number): GatehouseError {
  const what = plan.kind === "route" ? `route '${plan.name}'` : `model '${plan.name}'`;
  if (plan.targets.length === 0) {
    return new GatehouseError("unavailable", `The ${what} has no enabled target`, { type: "server_error" });
  }
  const detail = outcomes.map((o) => `${o.label}: ${o.what}`).join("; ");
  if (outOfTime) {
    return new GatehouseError("timeout", `The ${what} ran out of its time budget of ${budgetMs} ms. ${detail}`.trim(), { type: "server_error" });
  }
  const last = [...outcomes].reverse().find((o) => o.error)?.error ?? null;
  if (!last) {
    return new GatehouseError("unavailable", `Every target of the ${what} is unavailable: ${detail}`, { type: "server_error", headers: { "retry-after": "1" } });
  }
  const message = `Every target of the ${what} failed: ${detail}`;
  if (last.errorClass === "overloaded" || last.errorClass === "rate_limited") {
    const retryAfter = last.retryAfterMs !== undefined ? String(Math.max(1, Math.ceil(last.retryAfterMs / 1000))) : "1";
    return new GatehouseError("unavailable", message, { type: "server_error", headers: { "retry-after": retryAfter } });
  }
  if (last.errorClass === "timeout") return new GatehouseError("timeout", message, { type: "server_error" });
  return new GatehouseError("upstream_error", message, { type: "server_error" });
}

/**
 * A streamed answer failed after its first chunk reached the client: the
 * target's circuit hears of it like any other failure (when the class
 * counts); nothing is retried (the caller already has part of an answer).
 */
export async function reportStreamFailure(target: PlannedTarget, err: ProviderError, breaker: CircuitBreaker = getCircuitBreaker()): Promise<void> {
  if (countsAsCircuitFailure(err.errorClass)) await bounded(breaker.recordFailure(target.id, target.policy, false), BREAKER_WRITE_BUDGET_MS, null);
}
