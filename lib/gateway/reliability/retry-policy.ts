/**
 * What to do after an attempt fails, by error class: retry on the same
 * target (after a backoff), move on to the next target of the route, or stop
 * and give the caller the error. Explicit rules per class, never decisions
 * by matching error text (STYLE.md, the LiteLLM row).
 *
 * | class          | same-target retries      | then next target | counts for the circuit |
 * |----------------|--------------------------|------------------|------------------------|
 * | rate_limited   | maxRetries, retry-after  | yes              | yes                    |
 * | overloaded     | maxRetries, retry-after  | yes              | yes                    |
 * | server (5xx)   | maxRetries, retry-after  | yes              | yes                    |
 * | reset          | maxRetries               | yes              | yes                    |
 * | connect        | at most 1                | yes              | yes                    |
 * | timeout        | at most 1                | yes              | yes                    |
 * | stream_cut     | at most 1                | yes              | yes                    |
 * | malformed      | 0                        | yes              | yes                    |
 * | auth           | 0                        | yes              | yes                    |
 * | not_found      | 0                        | yes              | yes                    |
 * | bad_request    | 0                        | no: stop         | no                     |
 * | context_length | 0                        | no: stop         | no                     |
 * | content_filter | 0                        | no: stop         | no                     |
 * | cancelled      | 0                        | no: stop         | no                     |
 *
 * Why: `auth` and `not_found` come from the *provider* (the caller's key was
 * already checked by Gatehouse), so they mean this target is misconfigured
 * (revoked provider key, retired model): the same target will fail again,
 * another may not, and the circuit should open so on-call hears of it.
 * `bad_request`, `context_length` and `content_filter` are about the request
 * itself: another provider would most likely refuse it too, and falling back
 * would hide the caller's error behind a different model's answer; they never
 * count against the target's circuit. `cancelled` (the client went away)
 * stops everything: nobody is waiting for an answer. (A dedicated larger-context fallback
 * list is a later feature.) Timeouts retry once: the time is already spent,
 * and a second slow answer is better looked for elsewhere.
 *
 * Once bytes of a streamed answer reached the client nothing is retried or
 * replaced: the router ends the stream with an error event (`stop`).
 * `maxRetries` is the target's (`route_targets.max_retries`); the caps above
 * only ever lower it.
 */
import { computeRetryDelay, DEFAULT_BACKOFF, type BackoffOptions } from "./backoff";
import type { ErrorClass } from "@/lib/gateway/providers/types";

export type { ErrorClass };

export interface ErrorRule {
  /** Upper bound of same-target retries for this class; the target's maxRetries applies too. */
  maxSameTargetRetries: number;
  /** After giving up on this target, try the next one (and the static answer at the end). */
  fallback: boolean;
  /** Counts as a failure for the target's circuit breaker. */
  countsForCircuit: boolean;
  /** The provider's retry-after is honoured as the minimum wait. */
  honourRetryAfter: boolean;
}

const transient = (honourRetryAfter: boolean, max = Number.POSITIVE_INFINITY): ErrorRule => ({
  maxSameTargetRetries: max,
  fallback: true,
  countsForCircuit: true,
  honourRetryAfter,
});
const targetFault: ErrorRule = { maxSameTargetRetries: 0, fallback: true, countsForCircuit: true, honourRetryAfter: false };
const callerFault: ErrorRule = { maxSameTargetRetries: 0, fallback: false, countsForCircuit: false, honourRetryAfter: false };

export const RETRY_RULES: Readonly<Record<ErrorClass, ErrorRule>> = {
  rate_limited: transient(true),
  overloaded: transient(true),
  server: transient(true),
  reset: transient(false),
  connect: transient(false, 1),
  timeout: transient(false, 1),
  stream_cut: transient(false, 1),
  malformed: targetFault,
  auth: targetFault,
  not_found: targetFault,
  bad_request: callerFault,
  context_length: callerFault,
  content_filter: callerFault,
  cancelled: callerFault,
};

export interface FailureInput {
  errorClass: ErrorClass;
  /** Retries already made on this target for this request (0 after the first attempt failed). */
  retriesSoFar: number;
  /** The target's `maxRetries`. */
  maxRetries: number;
  /** The provider's retry-after, in ms, when it sent one. */
  retryAfterMs?: number | null;
  /** RequestDeadline.remainingMs(). */
  remainingMs: number;
  /** True once any byte of a streamed answer was written to the client. */
  clientBytesSent?: boolean;
  /** Time a retried attempt needs at least; waits that leave less give up on the target. */
  minAttemptMs?: number;
  backoff?: BackoffOptions;
}

export type FailureDecision =
  | { action: "retry"; delayMs: number; delaySource: "backoff" | "retry_after" }
  | {
      action: "next_target";
      reason: "retries_exhausted" | "not_retryable_on_target" | "retry_after_exceeds_deadline" | "deadline_exhausted";
    }
  | { action: "stop"; reason: "caller_error" | "cancelled" | "client_bytes_sent" };

export function decideAfterFailure(input: FailureInput): FailureDecision {
  const rule = RETRY_RULES[input.errorClass];
  if (input.clientBytesSent) return { action: "stop", reason: "client_bytes_sent" };
  if (input.errorClass === "cancelled") return { action: "stop", reason: "cancelled" };
  if (!rule.fallback && rule.maxSameTargetRetries === 0) return { action: "stop", reason: "caller_error" };
  if (input.remainingMs <= 0) return { action: "next_target", reason: "deadline_exhausted" };
  const allowed = Math.min(rule.maxSameTargetRetries, Math.max(0, input.maxRetries));
  if (allowed === 0) return { action: "next_target", reason: "not_retryable_on_target" };
  if (input.retriesSoFar >= allowed) return { action: "next_target", reason: "retries_exhausted" };
  const delay = computeRetryDelay({
    attempt: input.retriesSoFar,
    retryAfterMs: rule.honourRetryAfter ? input.retryAfterMs : null,
    remainingMs: input.remainingMs,
    minAttemptMs: input.minAttemptMs,
    backoff: input.backoff ?? DEFAULT_BACKOFF,
  });
  if (!delay.retry) return { action: "next_target", reason: delay.reason };
  return { action: "retry", delayMs: delay.delayMs, delaySource: delay.source };
}

/** Whether this failure moves the target's circuit towards open. */
export function countsAsCircuitFailure(errorClass: ErrorClass): boolean {
  return RETRY_RULES[errorClass].countsForCircuit;
}
