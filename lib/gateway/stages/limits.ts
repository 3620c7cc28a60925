import type { Redis } from "ioredis";
import { GatehouseError } from "@/lib/errors";
import { snapshotReady, type ConfigSnapshot } from "@/lib/gateway/config";
import { attachReservation, finishReservation, type Reservation } from "@/lib/gateway/limits";
import {
  approxPromptTokens,
  budgetCounters,
  promptTokensWithMargin,
  dollars,
  rateCounters,
  rateLimitHeaders,
  retryAfterSeconds,
  worstCase,
  type BudgetCounter,
  type LimitState,
  type RateCounter,
  type Subject,
  type WorstCase,
} from "@/lib/gateway/limits/plan";
import { seedCounters } from "@/lib/gateway/limits/seed";
import { reserve, type ReserveRequest, type ReserveResult } from "@/lib/gateway/limits/store";
import { noteLog } from "@/lib/gateway/record";
import { figureHeaders } from "@/lib/gateway/respond";
import { withCleanup } from "@/lib/gateway/respond/iterables";
import { STATIC_TARGET, staticCompletion } from "@/lib/gateway/route/static-answer";
import { parseStaticAnswer } from "@/lib/gateway/route/plan";
import { requireAuth } from "@/lib/gateway/stages/authenticate";
import { runStages } from "@/lib/gateway/stages/compose";
import { requireCallState, type CallState } from "@/lib/gateway/stages/state";
import { staticAnswerResponse } from "@/lib/gateway/stages/switches";
import { isStreamBody, type GatewayContext, type GatewayResponse, type Stage } from "@/lib/gateway/types";
import { newId } from "@/lib/ids";
import { log } from "@/lib/log";
import { getRedis } from "@/lib/redis";
import type { RequestLogJobInput } from "@/lib/queues/request-log";

/**
 * Stage 6, limits and budgets: ONE atomic Redis round trip (a Lua script by
 * EVALSHA, lib/gateway/limits/store.ts) checks every rate limit that applies
 * (requests and tokens per rolling minute per API key, end-user, tenant,
 * feature and client IP; in-flight requests per key) and reserves the
 * request's worst-case cost against every budget that applies (tenant,
 * feature, API key, end-user, tenant x feature; day / month / total, UTC),
 * all or nothing. Limits and budgets come from the config snapshot; a
 * request to which none applies costs no Redis call at all.
 *
 *   worst case = prompt tokens x input price + max output tokens x output price,
 *   the dearest target of the route; prompt tokens = the tokens stage's count
 *   + 20% + 16 (promptTokensWithMargin); max output = the request's max_tokens
 *   / max_completion_tokens, else the model's maxOutputTokens.
 *
 * Refused: 429 `rate_limit_exceeded` (retry-after, retry-after-ms) or 429
 * `budget_exceeded` (type insufficient_quota, naming the budget; the
 * feature's static fallback instead where `features.config.staticFallback`
 * is set). The request is logged as blocked with the code. Admitted or
 * refused, the response carries OpenAI's `x-ratelimit-{limit,remaining,reset}
 * -{requests,tokens}` for the tightest limit of each kind that applies.
 *
 * This stage wraps the stages after it (cache, route, respond) so it sees how
 * the request ends and settles the reservation exactly once
 * (lib/gateway/limits/index.ts): at the real cost the call noted, a stream
 * when it ends (a cut stream: what was produced), a failure released. A
 * counter Redis does not know (new period, or Redis lost it) is seeded from
 * the request log once, then the call is retried (limits/seed.ts).
 *
 * Redis unreachable with limits or budgets in force: 503 `unavailable`
 * (fail closed: a hard budget must not be overshot because Redis blinked).
 */

/** A reservation outlives the route's time budget by this much before its lease expires. */
const LEASE_MARGIN_MS = 30_000;
/** Seeding then retrying: a counter seeded but lost again at once (Redis flapping) fails the request instead of looping. */
const MAX_SEED_ROUNDS = 2;

let redisOverride: Redis | undefined;

/** Tests and the benchmark: the connection stage 6 uses (default: the process-wide one). */
export function setLimitsRedis(redis: Redis | undefined): void {
  redisOverride = redis;
}

function limitsRedis(): Redis {
  return redisOverride ?? getRedis();
}

interface Applicable {
  subject: Subject;
  rates: RateCounter[];
  budgets: BudgetCounter[];
}

function applicable(snapshot: ConfigSnapshot, ctx: GatewayContext, state: CallState): Applicable | null {
  const auth = requireAuth(ctx);
  const limits = snapshot.rateLimits(auth.tenantId);
  const budgets = snapshot.budgets(auth.tenantId);
  if (limits.length === 0 && budgets.length === 0) return null;
  const subject: Subject = {
    tenantId: auth.tenantId,
    apiKeyId: auth.apiKeyId,
    featureId: state.featureId,
    endUserId: state.endUserId,
    ip: ctx.req.remoteAddress ?? null,
  };
  const rates = rateCounters(limits, subject);
  const counters = budgetCounters(budgets, subject, ctx.receivedAt);
  if (rates.length === 0 && counters.length === 0) return null;
  return { subject, rates, budgets: counters };
}

/**
 * Prompt tokens of the request: the tokens stage's count for chat (the route
 * primary's tokenizer, after any trim); embeddings, which that stage does not
 * count, and a chat request it did not count: approxPromptTokens (ceil(chars / 4)).
 */
function promptTokensOf(state: CallState): number {
  if (state.chat && state.promptTokens !== undefined) return state.promptTokens;
  if (state.chat && state.countPromptTokens) return state.countPromptTokens();
  if (state.chat) return approxPromptTokens(state.chat.messages) + (state.chat.tools ? approxPromptTokens(state.chat.tools) : 0);
  if (state.embeddings) return approxPromptTokens(state.embeddings.input);
  return 0;
}

function worstCaseOf(snapshot: ConfigSnapshot, ctx: GatewayContext, state: CallState): WorstCase {
  const chat = state.chat;
  const requested = chat ? (chat.max_completion_tokens ?? chat.max_tokens ?? null) : 0;
  const targets = (state.plan?.targets ?? []).map((t) => ({
    price: snapshot.price(t.modelId, ctx.receivedAt),
    maxOutputTokens: state.embeddings ? 0 : (snapshot.model(t.modelId)?.maxOutputTokens ?? 0),
  }));
  return worstCase(promptTokensWithMargin(promptTokensOf(state)), requested, targets);
}

function buildRequest(a: Applicable, wc: WorstCase, tenantId: string, leaseMs: number): ReserveRequest {
  const requests: Array<{ counter: RateCounter; limit: number }> = [];
  const tokens: Array<{ counter: RateCounter; limit: number }> = [];
  const concurrency: Array<{ counter: RateCounter; limit: number }> = [];
  for (const c of a.rates) {
    if (c.limit.requestsPerMinute !== null) requests.push({ counter: c, limit: c.limit.requestsPerMinute });
    if (c.limit.tokensPerMinute !== null) tokens.push({ counter: c, limit: c.limit.tokensPerMinute });
    if (c.limit.maxConcurrent !== null && c.limit.scope === "api_key") concurrency.push({ counter: c, limit: c.limit.maxConcurrent });
  }
  return {
    tenantId,
    reservationId: newId("request").replace(/^req_/, "rsv_"),
    requests,
    tokens,
    concurrency,
    budgets: a.budgets.map((counter) => ({ counter, costMicros: wc.costMicros })),
    tokenAmount: wc.tokens,
    leaseMs,
  };
}

function headerStates(req: ReserveRequest, result: Extract<ReserveResult, { kind: "ok" | "refused" }>): Record<string, string> {
  const r: LimitState[] = req.requests.map((x, i) => {
    const v = result.requests[i] ?? { used: 0, resetMs: 0 };
    return { limit: x.limit, remaining: Math.max(0, x.limit - v.used), resetMs: v.resetMs };
  });
  const t: LimitState[] = req.tokens.map((x, i) => {
    const v = result.tokens[i] ?? { used: 0, resetMs: 0 };
    return { limit: x.limit, remaining: Math.max(0, x.limit - v.used), resetMs: v.resetMs };
  });
  return rateLimitHeaders(r, t);
}

const SCOPE_WORDS = { api_key: "API key", end_user: "end-user", tenant: "tenant", feature: "feature", ip: "client IP" } as const;

function rateRefusal(req: ReserveRequest, result: Extract<ReserveResult, { kind: "refused" }>, wc: WorstCase): GatehouseError {
  const list = result.reason === "requests" ? req.requests : result.reason === "tokens" ? req.tokens : req.concurrency;
  const hit = list[result.index];
  const who = hit ? `${SCOPE_WORDS[hit.counter.limit.scope]} ${hit.counter.subject === "-" ? "" : `'${hit.counter.subject}' `}`.replace("tenant ", "the tenant ") : "";
  const retryMs = result.retryMs < 0 ? 60_000 : Math.max(1, result.retryMs);
  let message: string;
  if (result.reason === "requests") message = `Rate limit of ${hit?.limit} requests per minute reached for ${who}(rate limit ${hit?.counter.limit.id}). Retry after ${retryAfterSeconds(retryMs)} s.`;
  else if (result.reason === "concurrency") message = `At most ${hit?.limit} requests at a time for ${who}(rate limit ${hit?.counter.limit.id}): wait for one to finish.`;
  else if (result.retryMs < 0) message = `This request may use ${wc.tokens} tokens (prompt + max output), more than the limit of ${hit?.limit} tokens per minute for ${who}(rate limit ${hit?.counter.limit.id}): lower max_tokens or the prompt.`;
  else message = `Rate limit of ${hit?.limit} tokens per minute reached for ${who}(rate limit ${hit?.counter.limit.id}). Retry after ${retryAfterSeconds(retryMs)} s.`;
  return new GatehouseError("rate_limit_exceeded", message.replace(/\s+\(/, " ("), {
    type: "rate_limit_error",
    headers: { "retry-after": String(retryAfterSeconds(retryMs)), "retry-after-ms": String(Math.ceil(retryMs)) },
  });
}

const PERIOD_WORDS = { day: "Daily", month: "Monthly", total: "Total" } as const;
const BUDGET_SCOPE_WORDS = { tenant: "tenant", feature: "feature", api_key: "API key", end_user: "end-user", tenant_feature: "feature" } as const;

function budgetMessage(c: BudgetCounter, tenantSlug: string, view: { spentMicros: bigint; reservedMicros: bigint } | undefined, wc: WorstCase): string {
  const b = c.budget;
  const of = b.scope === "tenant" ? `tenant ${tenantSlug}` : `${BUDGET_SCOPE_WORDS[b.scope]} ${c.subject}`;
  const spent = view ? `; spent ${dollars(view.spentMicros)}, reserved by requests in flight ${dollars(view.reservedMicros)}` : "";
  return `${PERIOD_WORDS[b.period]} budget '${b.name}' (${b.id}) of ${of} exceeded: limit ${dollars(b.limitMicros)}${spent}; this request may cost up to ${dollars(wc.costMicros)}`;
}

async function reserveSeeding(redis: Redis, req: ReserveRequest): Promise<ReserveResult> {
  for (let round = 0; ; round++) {
    const result = await reserve(redis, req);
    if (result.kind !== "unseeded") return result;
    if (round >= MAX_SEED_ROUNDS) throw new Error("budget counters still unseeded after seeding");
    await seedCounters(
      redis,
      result.indexes.map((i) => req.budgets[i]?.counter).filter((c): c is BudgetCounter => c !== undefined),
    );
  }
}

/** The refusal answer: the feature's static fallback for an exhausted budget, else throws the 429. */
function refuse(ctx: GatewayContext, state: CallState, snapshot: ConfigSnapshot, req: ReserveRequest, result: Extract<ReserveResult, { kind: "refused" }>, wc: WorstCase, headers: Record<string, string>): GatewayResponse {
  const auth = requireAuth(ctx);
  Object.assign(ctx.responseHeaders, headers);
  if (result.reason !== "budget") {
    const err = rateRefusal(req, result, wc);
    noteLog(ctx, { status: "blocked", errorCode: "rate_limit_exceeded" });
    log("info", "limits.rate_limited", { reason: result.reason, rateLimitId: (result.reason === "requests" ? req.requests : result.reason === "tokens" ? req.tokens : req.concurrency)[result.index]?.counter.limit.id });
    throw err;
  }
  const hit = req.budgets[result.index];
  if (!hit) throw new GatehouseError("internal_error", "Internal error", { cause: new Error("refusing budget index out of range") });
  const message = budgetMessage(hit.counter, auth.tenantSlug, result.budgets[result.index], wc);
  const metadata = { ...(ctx.log?.metadata ?? {}), budget: { id: hit.counter.budget.id, name: hit.counter.budget.name, period: hit.counter.period.key, subject: hit.counter.subject } };
  log("info", "budget.exceeded", { budgetId: hit.counter.budget.id, period: hit.counter.period.key });
  const feature = state.featureId ? snapshot.featureById(state.featureId) : undefined;
  const answer = state.chat ? parseStaticAnswer(feature?.config.staticFallback) : null;
  if (!answer) {
    noteLog(ctx, { status: "blocked", errorCode: "budget_exceeded", metadata });
    throw new GatehouseError("budget_exceeded", message, { type: "insufficient_quota", headers: { "x-should-retry": "false" } });
  }
  const completion = staticCompletion(answer, state.model, ctx.requestId);
  noteLog(ctx, {
    status: "fallback",
    errorCode: "budget_exceeded",
    servedBy: STATIC_TARGET,
    fallbackReason: "budget_exceeded",
    costMicros: "0",
    metadata,
    response: JSON.parse(JSON.stringify(completion)) as RequestLogJobInput["response"],
  });
  const out = { ...figureHeaders({ target: STATIC_TARGET, attempts: 0, costMicros: 0n, latencyMs: performance.now() - ctx.startedAt }), "x-gatehouse-budget-exceeded": hit.counter.budget.id };
  return staticAnswerResponse(ctx, state, completion, out);
}

/**
 * Stage 6 around the stages that do the work: reserve (or refuse), run them,
 * settle when the answer is done.
 */
export function withLimits(stages: readonly Stage[]): Stage {
  return async (ctx) => {
    const state = requireCallState(ctx);
    const snapshot = await snapshotReady();
    const a = applicable(snapshot, ctx, state);
    if (!a) return runStages(ctx, stages);

    const auth = requireAuth(ctx);
    const wc = worstCaseOf(snapshot, ctx, state);
    const leaseMs = (state.plan?.totalTimeoutMs ?? 60_000) + LEASE_MARGIN_MS;
    const req = buildRequest(a, wc, auth.tenantId, leaseMs);
    const redis = limitsRedis();
    let result: ReserveResult;
    try {
      result = await reserveSeeding(redis, req);
    } catch (err) {
      log("error", "limits.unavailable", { err });
      noteLog(ctx, { status: "blocked", errorCode: "unavailable" });
      throw new GatehouseError("unavailable", "Limits and budgets cannot be checked right now (Redis unreachable); retry shortly", {
        headers: { "retry-after": "1" },
        cause: err,
      });
    }
    if (result.kind === "unseeded") throw new GatehouseError("internal_error", "Internal error", { cause: new Error("unseeded after seeding") });
    const headers = headerStates(req, result);
    if (result.kind === "refused") return refuse(ctx, state, snapshot, req, result, wc, headers);
    Object.assign(ctx.responseHeaders, headers);

    const reservation: Reservation = {
      id: req.reservationId,
      tenantId: auth.tenantId,
      redis,
      promptTokens: promptTokensOf(state),
      reservedTokens: wc.tokens,
      worstCaseMicros: wc.costMicros,
      tokenCounters: req.tokens.map((x) => x.counter),
      concurrency: req.concurrency.map((x) => x.counter),
      budgets: req.budgets.map((x) => x.counter),
      done: false,
    };
    attachReservation(ctx, reservation);
    // The client going away before the answer was written: settle with what
    // was noted by then (a cut stream's producer notes it synchronously on abort).
    const signal = ctx.req.signal;
    if (signal) {
      const onAbort = (): void => void setImmediate(() => void finishReservation(ctx));
      if (signal.aborted) onAbort();
      else {
        signal.addEventListener("abort", onAbort, { once: true });
        reservation.onDone = () => signal.removeEventListener("abort", onAbort);
      }
    }

    let response: GatewayResponse | undefined;
    try {
      response = await runStages(ctx, stages);
    } catch (err) {
      void finishReservation(ctx);
      throw err;
    }
    if (!response || !isStreamBody(response.body)) {
      void finishReservation(ctx);
      return response;
    }
    return { ...response, body: settleAtEnd(response.body, () => void finishReservation(ctx)) };
  };
}

/** The stream, with `onEnd` when it ends, fails, or the consumer stops (also before the first chunk). */
function settleAtEnd<T>(source: AsyncIterable<T>, onEnd: () => void): AsyncIterable<T> {
  async function* run(): AsyncGenerator<T, void, undefined> {
    try {
      yield* source;
    } finally {
      onEnd();
    }
  }
  return withCleanup(run(), onEnd);
}
