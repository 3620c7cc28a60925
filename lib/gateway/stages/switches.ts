import { GatehouseError } from "@/lib/errors";
import { killSwitchFor, type KillSwitchContext, type KillSwitchHit } from "@/lib/flags/evaluate";
import { encodeAnthropicSse, openAIChunksToAnthropicEvents } from "@/lib/gateway/anthropic/stream";
import { openAIToAnthropicResponse } from "@/lib/gateway/anthropic/translate";
import { snapshotReady, type ConfigSnapshot } from "@/lib/gateway/config";
import type { FeatureEntry, FlagEntry } from "@/lib/gateway/config/types";
import { completionToChunks } from "@/lib/gateway/openai/chunks";
import type { ChatCompletion } from "@/lib/gateway/openai/schema";
import { encodeOpenAISse } from "@/lib/gateway/openai/sse";
import { ZERO_USAGE } from "@/lib/gateway/providers/usage";
import { noteLog } from "@/lib/gateway/record";
import { figureHeaders, jsonResponse, sseResponse } from "@/lib/gateway/respond";
import { parseStaticAnswer, type PlannedTarget, type RoutePlan, type StaticAnswer } from "@/lib/gateway/route/plan";
import { STATIC_TARGET, staticCompletion } from "@/lib/gateway/route/static-answer";
import { requireAuth } from "@/lib/gateway/stages/authenticate";
import { requireCallState, type CallState } from "@/lib/gateway/stages/state";
import type { GatewayContext, GatewayResponse, Stage } from "@/lib/gateway/types";
import { log } from "@/lib/log";
import type { RequestLogJobInput } from "@/lib/queues/request-log";

/**
 * Stage 3, switches: whether this request may reach a model at all.
 *
 *   global kill switch > tenant > feature (killSwitchFor, lib/flags/evaluate.ts,
 *   against the in-process snapshot: no I/O), then the end-user AI opt-out.
 *
 * A stopped request never reaches a model: it gets 503 `feature_disabled`
 * naming the switch, or, where the feature (`features.config.staticFallback`)
 * or the route (`routes.static_fallback`) defines one, that static answer in
 * the caller's own wire format (JSON or stream, OpenAI or Anthropic). Either
 * way the request log says which switch fired: errorCode `feature_disabled`,
 * `metadata.killSwitch = { key, id, scope, reason }` (the opt-out:
 * `{ key: "end_user_opt_out", scope: "end_user" }`).
 *
 * Provider, model and route-target kill switches stop single targets, not
 * the request: the route plan gets a per-request copy with those targets
 * marked (`PlannedTarget.killSwitch`), and the routing engine skips them like
 * an open circuit (the attempt is recorded as skipped, `kill_switch`), so the
 * chain falls back to the next target or the static answer.
 *
 * Kill switches may carry rules (segments, percentages): they are evaluated
 * like any flag with the request's tenant, feature, end-user and metadata;
 * without an end-user a percentage draws per request.
 */

export const OPT_OUT_SWITCH = "end_user_opt_out";

interface Stopped {
  key: string;
  id: string | null;
  scope: KillSwitchHit["scope"] | "end_user";
  reason: string;
  message: string;
}

function requestMetadata(state: CallState): Readonly<Record<string, unknown>> | null {
  const m = state.chat?.metadata;
  return m && typeof m === "object" ? (m as Record<string, unknown>) : null;
}

export const switches: Stage = async (ctx) => {
  const auth = requireAuth(ctx);
  const state = requireCallState(ctx);
  const snapshot = await snapshotReady();
  const feature = state.featureId ? (snapshot.featureById(state.featureId) ?? null) : null;
  const base: KillSwitchContext = {
    tenantId: auth.tenantId,
    tenantSlug: auth.tenantSlug,
    featureId: state.featureId,
    featureKey: feature?.key ?? null,
    endUserId: state.endUserId,
    fallbackKey: ctx.requestId,
    metadata: requestMetadata(state),
  };

  const hit = killSwitchFor(snapshot, base);
  if (hit) {
    const what = hit.scope === "global" ? "every AI call" : hit.scope === "feature" ? `feature '${feature?.key ?? state.featureId}'` : `tenant '${auth.tenantSlug}'`;
    return stop(ctx, state, feature, {
      key: hit.flagKey,
      id: hit.flagId,
      scope: hit.scope,
      reason: hit.reason,
      message: `AI is switched off for ${what} by kill switch '${hit.flagKey}'`,
    });
  }
  if (state.endUserId && snapshot.isOptedOut(auth.tenantId, state.endUserId)) {
    return stop(ctx, state, feature, {
      key: OPT_OUT_SWITCH,
      id: null,
      scope: "end_user",
      reason: "STATIC",
      message: "This end-user opted out of AI processing: the request was not sent to a model",
    });
  }
  if (state.plan) state.plan = withKilledTargets(snapshot, state.plan, base);
};

const targetSwitches = new WeakMap<ReadonlyMap<string, FlagEntry>, boolean>();

/** Whether this flag map (one per tenant per snapshot) has an enabled provider / model / target kill switch. */
function hasTargetSwitches(flags: ReadonlyMap<string, FlagEntry>): boolean {
  let has = targetSwitches.get(flags);
  if (has === undefined) {
    has = false;
    for (const f of flags.values()) if (f.kind === "kill_switch" && f.enabled && (f.providerId || f.routeTargetId)) has = true;
    targetSwitches.set(flags, has);
  }
  return has;
}

/** The plan with this request's killed targets marked; the same (cached, frozen) plan when none is. */
function withKilledTargets(snapshot: ConfigSnapshot, plan: RoutePlan, base: KillSwitchContext): RoutePlan {
  // The common case costs one WeakMap get: no target-level switch is on in this tenant.
  if (!hasTargetSwitches(snapshot.tenantFlags(base.tenantId))) return plan;
  let marked: PlannedTarget[] | null = null;
  for (let i = 0; i < plan.targets.length; i++) {
    const t = plan.targets[i] as PlannedTarget;
    const provider = snapshot.model(t.modelId)?.providerId ?? null;
    const hit = killSwitchFor(snapshot, { ...base, featureId: null, providerId: provider, modelId: t.modelId, routeTargetId: t.routeTargetId });
    if (!hit) continue;
    marked ??= [...plan.targets];
    marked[i] = { ...t, killSwitch: hit.flagKey };
  }
  return marked ? { ...plan, targets: marked } : plan;
}

/** `features.config.staticFallback` (same shapes as a route's), else the route's static answer. */
export function staticAnswerOf(feature: FeatureEntry | null, plan: RoutePlan | undefined): StaticAnswer | null {
  return parseStaticAnswer(feature?.config.staticFallback) ?? plan?.staticAnswer ?? null;
}

function stop(ctx: GatewayContext, state: CallState, feature: FeatureEntry | null, s: Stopped): GatewayResponse {
  const killSwitch: Record<string, string> = s.id === null ? { key: s.key, scope: s.scope } : { key: s.key, id: s.id, scope: s.scope, reason: s.reason };
  const metadata = { ...(ctx.log?.metadata ?? {}), killSwitch };
  // A static answer is a chat message: embeddings are refused.
  const answer = state.chat ? staticAnswerOf(feature, state.plan) : null;
  log("info", "gateway.kill_switch", { key: s.key, scope: s.scope, staticAnswer: answer !== null });
  if (!answer) {
    noteLog(ctx, { status: "blocked", errorCode: "feature_disabled", metadata });
    throw new GatehouseError("feature_disabled", s.message, { type: "server_error" });
  }
  const completion = staticCompletion(answer, state.model, ctx.requestId);
  noteLog(ctx, {
    status: "fallback",
    errorCode: "feature_disabled",
    servedBy: STATIC_TARGET,
    fallbackReason: "kill_switch",
    costMicros: "0",
    metadata,
    response: JSON.parse(JSON.stringify(completion)) as RequestLogJobInput["response"],
  });
  const headers = { ...figureHeaders({ target: STATIC_TARGET, attempts: 0, costMicros: 0n, latencyMs: performance.now() - ctx.startedAt }), "x-gatehouse-kill-switch": s.key };
  return staticAnswerResponse(ctx, state, completion, headers);
}

/**
 * A static answer in the caller's wire format, JSON or stream (also used by
 * stage 6 when a budget is exhausted and the feature has a static fallback).
 */
export function staticAnswerResponse(ctx: GatewayContext, state: CallState, completion: ChatCompletion, headers: Record<string, string>): GatewayResponse {
  const chat = state.chat;
  if (chat?.stream) {
    state.streamOutcome = "ok";
    const chunks = toAsync(completionToChunks(completion, { includeUsage: chat.stream_options?.include_usage === true }));
    if (state.format === "anthropic") {
      const events = openAIChunksToAnthropicEvents(chunks, { model: state.model, usage: async () => ZERO_USAGE });
      return sseResponse(encodeAnthropicSse(events, { requestId: ctx.requestId }), headers);
    }
    return sseResponse(encodeOpenAISse(chunks), headers);
  }
  if (state.format === "anthropic") return jsonResponse(200, openAIToAnthropicResponse(completion, { usage: ZERO_USAGE, model: state.model }), headers);
  return jsonResponse(200, completion, headers);
}

async function* toAsync<T>(items: readonly T[]): AsyncGenerator<T, void, undefined> {
  yield* items;
}
