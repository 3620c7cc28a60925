import { BadRequestError, ForbiddenError } from "@/lib/errors";
import { snapshotReady, type ConfigSnapshot } from "@/lib/gateway/config";
import type { FeatureEntry } from "@/lib/gateway/config/types";
import { noteLog } from "@/lib/gateway/record";
import { resolveModel, type Purpose } from "@/lib/gateway/route/resolve";
import { requireAuth } from "@/lib/gateway/stages/authenticate";
import { requireCallState } from "@/lib/gateway/stages/state";
import type { GatewayAuth, GatewayContext, Stage } from "@/lib/gateway/types";
import type { ContextDoc } from "@/lib/queues/request-log";

/**
 * Stage 2 (continued), who and what: the key's scope for this endpoint, the
 * feature, the end-user, the retrieved context documents, and the model the
 * request names (route alias or concrete model) as a route plan.
 */

/**
 * Endpoint scopes of a key: empty = every endpoint; otherwise the key must
 * hold the endpoint's scope (`chat` for chat completions and messages,
 * `embeddings`) or `*`. `model:<name>` scopes limit models (route/resolve.ts).
 */
export function requireScope(scope: "chat" | "embeddings"): Stage {
  return (ctx) => {
    const endpointScopes = requireAuth(ctx).scopes.filter((s) => !s.startsWith("model:"));
    if (endpointScopes.length === 0 || endpointScopes.includes("*") || endpointScopes.includes(scope)) return;
    throw new ForbiddenError(`This API key may not call this endpoint (it needs the '${scope}' scope)`);
  };
}

const MAX_END_USER = 256;

/** `x-gatehouse-feature` (a feature key or id of the tenant), else the key's default feature. */
export function featureOfRequest(snapshot: ConfigSnapshot, auth: GatewayAuth, headers: Record<string, string | undefined>): FeatureEntry | null {
  const sent = headers["x-gatehouse-feature"]?.trim();
  if (sent) {
    const byKey = snapshot.feature(auth.tenantId, sent);
    if (byKey) return byKey;
    const byId = snapshot.featureById(sent);
    if (byId && byId.tenantId === auth.tenantId) return byId;
    throw new BadRequestError(`Unknown feature '${sent.slice(0, 100)}' in x-gatehouse-feature`, "x-gatehouse-feature");
  }
  return auth.featureId ? (snapshot.featureById(auth.featureId) ?? null) : null;
}

/** The end-user: the body's `user` (Anthropic: `metadata.user_id`), else `x-gatehouse-user`. */
function endUserOf(ctx: GatewayContext, fromBody: string | undefined): string | null {
  const raw = fromBody ?? ctx.req.headers["x-gatehouse-user"];
  const value = raw?.trim();
  if (!value) return null;
  if (value.length > MAX_END_USER) {
    throw new BadRequestError(`The end-user id must be at most ${MAX_END_USER} characters`, fromBody !== undefined ? "user" : "x-gatehouse-user");
  }
  return value;
}

/** Feature, end-user and context documents; notes them for the request log. */
export const resolveCaller: Stage = async (ctx) => {
  const auth = requireAuth(ctx);
  const state = requireCallState(ctx);
  const snapshot = await snapshotReady();
  state.featureId = featureOfRequest(snapshot, auth, ctx.req.headers)?.id ?? null;
  state.endUserId = endUserOf(ctx, state.chat?.user ?? state.embeddings?.user);
  const docs = state.chat?.metadata?.gatehouse?.context ?? [];
  state.contextDocs = docs.map((d): ContextDoc => ({ id: d.id, source: d.source ?? "", text: d.text, score: d.score ?? null }));
  noteLog(ctx, { model: state.model, featureId: state.featureId, endUserId: state.endUserId, contextDocs: state.contextDocs });
};

/** Stage 8 (first half): the model the caller named -> the route plan, or 404 `model_not_found`. */
export function resolveRoute(purpose: Purpose): Stage {
  return async (ctx) => {
    const auth = requireAuth(ctx);
    const state = requireCallState(ctx);
    const snapshot = await snapshotReady();
    const plan = resolveModel(snapshot, { tenantId: auth.tenantId, scopes: auth.scopes, featureId: state.featureId }, state.model, purpose);
    state.plan = plan;
    if (!state.featureId && plan.featureId) {
      // A request with no feature of its own is attributed to its route's.
      state.featureId = plan.featureId;
      noteLog(ctx, { featureId: plan.featureId });
    }
  };
}
