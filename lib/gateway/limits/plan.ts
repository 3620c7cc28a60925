import { costMicros } from "@/lib/gateway/cost";
import type { BudgetEntry, BudgetPeriod, PriceEntry, RateLimitEntry } from "@/lib/gateway/config/types";

/**
 * The pure half of stage 6 (limits and budgets): which rate limits and
 * budgets apply to a request, the Redis keys of their counters, the UTC
 * period of a budget, the request's worst-case cost, and the OpenAI-style
 * `x-ratelimit-*` header values. No I/O here (store.ts talks to Redis).
 *
 * Every key of one request carries the tenant id as a Redis Cluster hash tag
 * (`gh:lim:{ten_x}:...`), so the one atomic script touching them all stays in
 * one slot on a cluster.
 */

export const KEY_PREFIX = "gh:lim:";
/** The rate-limit window: limits are per rolling minute. */
export const WINDOW_MS = 60_000;

/** Who is asking: what limits and budgets are matched on. */
export interface Subject {
  tenantId: string;
  apiKeyId: string;
  featureId: string | null;
  endUserId: string | null;
  ip: string | null;
}

const tag = (tenantId: string): string => `${KEY_PREFIX}{${tenantId}}:`;

/** The request's id for a subject: caller-chosen strings (end-user ids, IPs) are kept short and colon-free. */
export function part(value: string): string {
  const clean = value.replace(/[:\s{}]/g, "_");
  return clean.length <= 128 ? clean : clean.slice(0, 128);
}

// ---------------------------------------------------------------- periods

export interface Period {
  /** `d2026-12-07`, `m2026-12`, `t`. */
  key: string;
  start: Date;
  /** Exclusive; null for a total budget (never resets). */
  end: Date | null;
}

/** The UTC period of `period` containing `at` (a total budget runs from its creation). */
export function periodOf(period: BudgetPeriod, at: Date, createdAt: Date): Period {
  const y = at.getUTCFullYear();
  const m = at.getUTCMonth();
  if (period === "day") {
    const d = at.getUTCDate();
    const start = new Date(Date.UTC(y, m, d));
    return { key: `d${start.toISOString().slice(0, 10)}`, start, end: new Date(Date.UTC(y, m, d + 1)) };
  }
  if (period === "month") {
    const start = new Date(Date.UTC(y, m, 1));
    return { key: `m${start.toISOString().slice(0, 7)}`, start, end: new Date(Date.UTC(y, m + 1, 1)) };
  }
  return { key: "t", start: createdAt, end: null };
}

/** Counters outlive their period by this much (the dashboard still reads a period that just ended). */
export const COUNTER_GRACE_MS = 3_600_000;

// ---------------------------------------------------------------- budgets

/** One budget counter a request is charged to. */
export interface BudgetCounter {
  budget: BudgetEntry;
  /** The id this counter is kept for: "-" (tenant), a feature, key or end-user id. */
  subject: string;
  period: Period;
  /** Hash: spent, reserved, `s` (seeded), `r:<reservation>` amounts. */
  key: string;
  /** Sorted set of reservation leases (score: expiry, ms). */
  leaseKey: string;
  /** PEXPIREAT of both keys; 0 = never. */
  expireAtMs: number;
}

/** The subject of `budget` for this request, or null when it does not apply. */
export function budgetSubject(b: BudgetEntry, s: Subject): string | null {
  switch (b.scope) {
    case "tenant":
      return "-";
    case "feature":
    case "tenant_feature":
      if (!s.featureId) return null;
      if (b.featureId && b.featureId !== s.featureId) return null;
      return s.featureId;
    case "api_key":
      if (b.apiKeyId && b.apiKeyId !== s.apiKeyId) return null;
      return s.apiKeyId;
    case "end_user":
      if (!s.endUserId) return null;
      if (b.endUserId && b.endUserId !== s.endUserId) return null;
      return part(s.endUserId);
  }
}

export function budgetCounterKey(b: Pick<BudgetEntry, "id" | "tenantId">, periodKey: string, subject: string): string {
  return `${tag(b.tenantId)}b:${b.id}:${periodKey}:${subject}`;
}

export function budgetCounter(b: BudgetEntry, subject: string, at: Date): BudgetCounter {
  const period = periodOf(b.period, at, b.createdAt);
  const key = budgetCounterKey(b, period.key, subject);
  return { budget: b, subject, period, key, leaseKey: `${key}:l`, expireAtMs: period.end ? period.end.getTime() + COUNTER_GRACE_MS : 0 };
}

export function budgetCounters(budgets: readonly BudgetEntry[], s: Subject, at: Date): BudgetCounter[] {
  const out: BudgetCounter[] = [];
  for (const b of budgets) {
    const subject = budgetSubject(b, s);
    if (subject !== null) out.push(budgetCounter(b, subject, at));
  }
  return out;
}

// ---------------------------------------------------------------- rate limits

export interface RateCounter {
  limit: RateLimitEntry;
  subject: string;
  /** Sorted set of admitted requests (score: ms) in the rolling minute. */
  requestsKey: string;
  /** Sorted set of `<reservation>|<tokens>` (score: ms) and the running sum beside it. */
  tokensKey: string;
  tokensSumKey: string;
  /** Sorted set of in-flight requests (score: lease expiry). */
  concurrencyKey: string;
}

export function rateSubject(r: RateLimitEntry, s: Subject): string | null {
  if (r.featureId && r.featureId !== s.featureId) return null;
  switch (r.scope) {
    case "tenant":
      return "-";
    case "api_key":
      if (r.apiKeyId && r.apiKeyId !== s.apiKeyId) return null;
      return s.apiKeyId;
    case "feature":
      return s.featureId;
    case "end_user":
      return s.endUserId ? part(s.endUserId) : null;
    case "ip":
      return s.ip ? part(s.ip) : null;
  }
}

export function rateCounters(limits: readonly RateLimitEntry[], s: Subject): RateCounter[] {
  const out: RateCounter[] = [];
  for (const r of limits) {
    const subject = rateSubject(r, s);
    if (subject === null) continue;
    const base = `${tag(r.tenantId)}rl:${r.id}:${subject}`;
    out.push({ limit: r, subject, requestsKey: `${base}:rq`, tokensKey: `${base}:tk`, tokensSumKey: `${base}:ts`, concurrencyKey: `${base}:cc` });
  }
  return out;
}

export function reservationKey(tenantId: string, reservationId: string): string {
  return `${tag(tenantId)}res:${reservationId}`;
}

// ---------------------------------------------------------------- worst-case cost

/**
 * PLACEHOLDER until the tokens helper's stage (lib/gateway/stages/tokens.ts)
 * is merged: prompt tokens estimated as ceil(characters / 4) of the messages
 * as JSON. Replaced by the real count the tokens stage puts on the call state.
 */
export function approxPromptTokens(messages: unknown): number {
  if (messages === undefined || messages === null) return 0;
  const text = typeof messages === "string" ? messages : JSON.stringify(messages);
  return Math.ceil(text.length / 4);
}

/** Completion tokens estimated from the characters produced (a stream cut before the provider reported usage). */
export function approxTokensOfChars(chars: number): number {
  return Math.ceil(Math.max(0, chars) / 4);
}

/** A target the request may be served by: its price in effect and its output cap. */
export interface CostTarget {
  price: PriceEntry | null;
  maxOutputTokens: number;
}

export interface WorstCase {
  costMicros: bigint;
  promptTokens: number;
  /** The output tokens assumed (the request's max, else the largest model cap). */
  maxOutputTokens: number;
  /** Prompt + output tokens: what tokens-per-minute limits reserve. */
  tokens: number;
  /** True when a target has no price in effect (its cost counts as 0). */
  unpriced: boolean;
}

/**
 * The most a request can cost: over every target of its route (a fallback
 * may be dearer than the primary), prompt tokens x input price + max output
 * tokens x output price, where max output tokens is the request's
 * max_tokens / max_completion_tokens, else the target model's maxOutputTokens.
 */
export function worstCase(promptTokens: number, requestedMaxOutput: number | null, targets: readonly CostTarget[]): WorstCase {
  let cost = 0n;
  let maxOut = requestedMaxOutput ?? 0;
  let unpriced = false;
  for (const t of targets) {
    const out = requestedMaxOutput ?? t.maxOutputTokens;
    if (out > maxOut) maxOut = out;
    if (!t.price) {
      unpriced = true;
      continue;
    }
    const c = costMicros(t.price, { promptTokens, completionTokens: out, cachedTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 });
    if (c > cost) cost = c;
  }
  return { costMicros: cost, promptTokens, maxOutputTokens: maxOut, tokens: promptTokens + maxOut, unpriced };
}

// ---------------------------------------------------------------- headers

/** A duration as OpenAI writes it in `x-ratelimit-reset-*`: `20ms`, `1s`, `6m0s`, `1.5s`. */
export function formatReset(ms: number): string {
  const v = Math.max(0, Math.ceil(ms));
  if (v < 1_000) return `${v}ms`;
  const minutes = Math.floor(v / 60_000);
  const seconds = (v % 60_000) / 1_000;
  const sec = Number.isInteger(seconds) ? String(seconds) : seconds.toFixed(3).replace(/0+$/, "");
  return minutes > 0 ? `${minutes}m${sec}s` : `${sec}s`;
}

/** `retry-after` is whole seconds, rounded up (never 0: a client that retries at once would be refused again). */
export function retryAfterSeconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1_000));
}

/** One limit's state after the call: the figures the headers report. */
export interface LimitState {
  limit: number;
  remaining: number;
  resetMs: number;
}

/**
 * The `x-ratelimit-*` headers: of every requests-per-minute limit that
 * applies, the one with the fewest remaining (ties: the smaller limit); the
 * same for tokens per minute. Absent kinds are left out.
 */
export function rateLimitHeaders(requests: readonly LimitState[], tokens: readonly LimitState[]): Record<string, string> {
  const out: Record<string, string> = {};
  const r = tightest(requests);
  if (r) {
    out["x-ratelimit-limit-requests"] = String(r.limit);
    out["x-ratelimit-remaining-requests"] = String(r.remaining);
    out["x-ratelimit-reset-requests"] = formatReset(r.resetMs);
  }
  const t = tightest(tokens);
  if (t) {
    out["x-ratelimit-limit-tokens"] = String(t.limit);
    out["x-ratelimit-remaining-tokens"] = String(t.remaining);
    out["x-ratelimit-reset-tokens"] = formatReset(t.resetMs);
  }
  return out;
}

function tightest(states: readonly LimitState[]): LimitState | null {
  let best: LimitState | null = null;
  for (const s of states) {
    if (!best || s.remaining < best.remaining || (s.remaining === best.remaining && s.limit < best.limit)) best = s;
  }
  return best;
}

/** Dollars for messages: 1234567n -> "$1.234567" (trailing zeros kept to cents). */
export function dollars(micros: bigint): string {
  const neg = micros < 0n;
  const abs = neg ? -micros : micros;
  const whole = abs / 1_000_000n;
  let frac = (abs % 1_000_000n).toString().padStart(6, "0").replace(/0+$/, "");
  if (frac.length < 2) frac = frac.padEnd(2, "0");
  return `${neg ? "-" : ""}$${whole}.${frac}`;
}
