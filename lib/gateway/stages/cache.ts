import { encodeAnthropicSse, openAIChunksToAnthropicEvents } from "@/lib/gateway/anthropic/stream";
import { openAIToAnthropicResponse } from "@/lib/gateway/anthropic/translate";
import { embedText } from "@/lib/gateway/cache/embed";
import {
  exactDigest,
  lastUserText,
  normaliseTurn,
  parseCacheControl,
  semanticScopeDigest,
  type CacheControl,
  type KeyScope,
} from "@/lib/gateway/cache/key";
import { CachedAnswer, getResponseCacheStore, type ResponseCacheStore } from "@/lib/gateway/cache/store";
import { snapshotReady, type ConfigSnapshot } from "@/lib/gateway/config";
import type { FeatureEntry } from "@/lib/gateway/config/types";
import { asLogJson } from "@/lib/gateway/endpoints/chat-call";
import { completionToChunks } from "@/lib/gateway/openai/chunks";
import type { ChatCompletion, ChatCompletionChunk, ChatCompletionRequest } from "@/lib/gateway/openai/schema";
import { encodeOpenAISse } from "@/lib/gateway/openai/sse";
import { noteLog } from "@/lib/gateway/record";
import { figureHeaders, jsonResponse, sseResponse } from "@/lib/gateway/respond";
import { bounded } from "@/lib/gateway/route/breaker";
import { requireAuth } from "@/lib/gateway/stages/authenticate";
import { guardStream, outputGuards } from "@/lib/gateway/stages/output-guards";
import { callStateOf, requirePlan, type CallAnswer, type CallState } from "@/lib/gateway/stages/state";
import type { GatewayContext, GatewayResponse, Stage } from "@/lib/gateway/types";
import { parseFeatureConfig, type CacheConfig } from "@/lib/features/config";
import { log } from "@/lib/log";
import { getRedis } from "@/lib/redis";

/**
 * Stage 7, cache: the tenant-scoped response cache of chat requests
 * (`/v1/chat/completions` and `/v1/messages`; keys and scoping in
 * lib/gateway/cache/key.ts, storage in cache/store.ts, README "Response cache").
 *
 * - On when the feature's `cache.exact.enabled`, or the caller opts in with
 *   `Cache-Control: max-age=N` (then nothing older than N s is served, and a
 *   new answer is kept at most N s); TTL = the feature's `ttlSeconds`, or the
 *   caller's max-age when lower. `no-cache`: no lookup, the answer is stored;
 *   `no-store`: neither.
 * - Semantic (feature `cache.semantic.enabled` + `embeddingRoute`): on an
 *   exact miss, the normalised last user turn is embedded through the
 *   embedding route and its nearest neighbour in the scope (same tenant,
 *   route, prompt version, guard policy, parameters and earlier turns) is
 *   served when its cosine similarity is >= `threshold`.
 * - Every chat response says `x-gatehouse-cache: hit|miss|bypass` (bypass:
 *   caching off for the request, or `no-cache`/`no-store`); the request log
 *   gets `cache` = the same word, and on a hit `metadata.cache` = { kind,
 *   savedMicros (the original call's cost), target, ageSeconds, similarity }.
 * - Lookup: one Redis round trip (exact GET + the semantic scope's new
 *   vectors, pipelined), plus, only on a semantic hit, the answer's GET. A
 *   miss's answer is stored when the call succeeded (a stream: ended cleanly),
 *   fire-and-forget. Redis unreachable: the request goes on uncached.
 */

export type CacheStatus = "hit" | "miss" | "bypass";
export const CACHE_HEADER = "x-gatehouse-cache";
const REDIS_BUDGET_MS = 250;

const DEFAULT_CACHE_CONFIG: CacheConfig = parseFeatureConfig({}).cache;

/** The feature's cache settings (features.config, parsed once per snapshot build: FeatureEntry.settings). */
export function cacheConfigOf(feature: FeatureEntry | undefined): CacheConfig {
  return feature ? feature.settings.cache : DEFAULT_CACHE_CONFIG;
}

/**
 * The guard policy part of the key: `<policy id>@<version>` of the request's
 * effective policy (the feature's, else the tenant's, else the built-in
 * default), so two features with different policies, or a policy edit, never
 * share answers.
 */
export function guardPolicyKey(snapshot: ConfigSnapshot, tenantId: string, featureId: string | null): string {
  const policy = snapshot.guardPolicyFor(tenantId, featureId);
  return `${policy.id ?? "default"}@${policy.version}`;
}

function store(): ResponseCacheStore {
  return getResponseCacheStore(getRedis);
}

function setStatus(ctx: GatewayContext, status: CacheStatus): void {
  ctx.responseHeaders[CACHE_HEADER] = status;
  noteLog(ctx, { cache: status });
}

function ttlFor(featureTtl: number, cc: CacheControl): number {
  return cc.maxAge === null ? featureTtl : Math.min(featureTtl, cc.maxAge);
}

function fresh(entry: CachedAnswer, cc: CacheControl, now = Date.now()): boolean {
  return cc.maxAge === null || now - entry.storedAt <= cc.maxAge * 1000;
}

export const cache: Stage = async (ctx) => {
  const state = callStateOf(ctx);
  const chat = state?.chat;
  if (!state || !chat) return;
  const auth = requireAuth(ctx);
  const plan = requirePlan(ctx);
  const snapshot = await snapshotReady();
  const cfg = cacheConfigOf(state.featureId ? snapshot.featureById(state.featureId) : undefined);
  const cc = parseCacheControl(ctx.req.headers["cache-control"]);
  const exactOn = cfg.exact.enabled || cc.maxAge !== null;
  const embeddingRoute = cfg.semantic.enabled ? cfg.semantic.embeddingRoute : null;
  if (cc.noStore || (!exactOn && !embeddingRoute)) return setStatus(ctx, "bypass");

  const scope: KeyScope = {
    tenantId: auth.tenantId,
    route: plan.name,
    targets: plan.targets.map((t) => t.label),
    promptVersionId: ctx.log?.promptVersionId ?? null,
    guardPolicy: guardPolicyKey(snapshot, auth.tenantId, state.featureId),
  };
  const exact = exactOn ? exactDigest(scope, chat) : null;
  const turn = embeddingRoute ? lastUserText(chat.messages) : null;
  const scopeDigest = embeddingRoute && turn !== null ? semanticScopeDigest(scope, chat, embeddingRoute) : null;
  const semantic = embeddingRoute && turn !== null && scopeDigest ? { route: embeddingRoute, text: normaliseTurn(turn), scopeDigest } : null;
  // Semantic only, and the last message is not a text user turn: nothing to look up or store.
  if (!exact && !semantic) return setStatus(ctx, "bypass");

  let vector: number[] | null = null;
  if (!cc.noCache) {
    const found = await bounded(store().lookup({ tenantId: auth.tenantId, exactDigest: exact, scopeDigest }), REDIS_BUDGET_MS, null);
    if (found === null) log("warn", "cache.unavailable", { action: "request goes on uncached" });
    if (found?.exact && fresh(found.exact, cc)) return serveHit(ctx, state, chat, found.exact, { kind: "exact" });
    if (semantic && found) {
      vector = await embedOrNull(ctx.req.signal, auth.tenantId, state.featureId, semantic.route, semantic.text);
      const near = vector ? store().nearest(auth.tenantId, semantic.scopeDigest, Float32Array.from(vector), cfg.semantic.threshold) : null;
      if (near) {
        const answer = await bounded(store().semanticAnswer(auth.tenantId, semantic.scopeDigest, near.id), REDIS_BUDGET_MS, null);
        if (answer && fresh(answer, cc)) return serveHit(ctx, state, chat, answer, { kind: "semantic", similarity: near.similarity });
      }
    }
  }
  setStatus(ctx, cc.noCache ? "bypass" : "miss");

  const exactTtl = ttlFor(cfg.exact.ttlSeconds, cc);
  const semanticTtl = ttlFor(cfg.semantic.ttlSeconds, cc);
  const wantsVector = semantic !== null && semanticTtl > 0;
  const tenantId = auth.tenantId;
  const featureId = state.featureId;
  state.onAnswer = (answer) => {
    const entry = toEntry(answer);
    if (!entry) return;
    const writes: Array<Promise<unknown>> = [];
    if (exact && exactTtl > 0) writes.push(store().storeExact(tenantId, exact, entry, exactTtl));
    if (semantic && wantsVector) {
      const known = vector;
      writes.push(
        (known ? Promise.resolve(known) : embedOrNull(undefined, tenantId, featureId, semantic.route, semantic.text)).then((v) =>
          v ? store().storeSemantic(tenantId, semantic.scopeDigest, v, entry, semanticTtl) : undefined,
        ),
      );
    }
    void Promise.all(writes).catch((err: unknown) => log("warn", "cache.store_failed", { err }));
  };
};

/** `signal`: the client's, for the lookup; none when storing (the answer may be out already and the client gone). */
async function embedOrNull(signal: AbortSignal | undefined, tenantId: string, featureId: string | null, route: string, text: string): Promise<number[] | null> {
  try {
    return await embedText({ tenantId, featureId, route, signal }, text);
  } catch (err) {
    log("warn", "cache.embedding_failed", { route, err });
    return null;
  }
}

/** A storable entry: a complete answer (every choice finished, nothing truncated), else null. */
function toEntry(answer: CallAnswer): CachedAnswer | null {
  const parsed = CachedAnswer.shape.completion.safeParse(withLogprobs(answer.completion));
  if (!parsed.success) return null;
  const c = parsed.data;
  if ((c as { truncated?: unknown }).truncated || c.choices.length === 0 || c.choices.some((ch) => !ch.finish_reason)) return null;
  return { v: 1, storedAt: Date.now(), target: answer.target, costMicros: (answer.costMicros ?? 0n).toString(), usage: answer.usage, completion: c };
}

/** A completion rebuilt from stream chunks has no `logprobs` per choice: null, as OpenAI sends it. */
function withLogprobs(completion: unknown): unknown {
  if (!completion || typeof completion !== "object") return completion;
  const c = completion as { choices?: unknown };
  if (!Array.isArray(c.choices)) return completion;
  return { ...c, choices: c.choices.map((ch: unknown) => (ch && typeof ch === "object" && !("logprobs" in ch) ? { ...ch, logprobs: null } : ch)) };
}

interface HitKind {
  kind: "exact" | "semantic";
  similarity?: number;
}

async function serveHit(ctx: GatewayContext, state: CallState, chat: ChatCompletionRequest, entry: CachedAnswer, hit: HitKind): Promise<GatewayResponse> {
  setStatus(ctx, "hit");
  // Stage 6 settles the reservation to the cost noted below (0): nothing was spent.
  const ageSeconds = Math.max(0, Math.floor((Date.now() - entry.storedAt) / 1000));
  const completion = entry.completion as ChatCompletion;
  noteLog(ctx, {
    servedBy: "cache",
    costMicros: "0",
    request: asLogJson(chat),
    response: asLogJson(completion),
    streamed: chat.stream === true,
    metadata: {
      ...(ctx.log?.metadata ?? {}),
      cache: {
        kind: hit.kind,
        savedMicros: entry.costMicros,
        target: entry.target,
        ageSeconds,
        ...(hit.similarity !== undefined ? { similarity: Math.round(hit.similarity * 10_000) / 10_000 } : {}),
      },
    },
  });
  const headers = { ...figureHeaders({ target: "cache", attempts: 0, costMicros: 0n, latencyMs: performance.now() - ctx.startedAt }), age: String(ageSeconds) };
  // The stored answer is the provider's (PII still as placeholders): the output guards run on it as on a
  // fresh answer (re-identification with this request's values, tool surface, schema, moderation).
  if (!chat.stream) {
    const guarded = await outputGuards(ctx, completion);
    const body = state.format === "anthropic" ? openAIToAnthropicResponse(guarded, { usage: entry.usage, model: state.model }) : guarded;
    return jsonResponse(200, body, headers);
  }
  const chunks = guardStream(ctx, replay(state, completion, chat.stream_options?.include_usage === true));
  if (state.format === "anthropic") {
    const events = openAIChunksToAnthropicEvents(chunks, { model: state.model, usage: () => Promise.resolve(entry.usage) });
    return sseResponse(encodeAnthropicSse(events, { requestId: ctx.requestId }), headers);
  }
  return sseResponse(encodeOpenAISse(chunks), headers);
}

async function* replay(state: CallState, completion: ChatCompletion, includeUsage: boolean): AsyncGenerator<ChatCompletionChunk, void, undefined> {
  yield* completionToChunks(completion, { includeUsage });
  state.streamOutcome = "ok";
}
