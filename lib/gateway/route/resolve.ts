import { BadRequestError, GatehouseError } from "@/lib/errors";
import type { ConfigSnapshot } from "@/lib/gateway/config";
import type { ModelEntry, RouteEntry } from "@/lib/gateway/config/types";
import { planForModel, planForRoute, type RoutePlan } from "@/lib/gateway/route/plan";

/**
 * Which model a request means, and whether this key may use it.
 *
 * The name is, in this order: a route alias of the tenant, else a concrete
 * model of an enabled provider of the tenant (a one-target implicit route; if
 * several providers serve that name, the first in the snapshot's order).
 *
 * What a key may use:
 * - scopes `model:<name>` (and `model:*`) limit a key to those names; a key
 *   without any `model:` scope may use every name of its tenant;
 * - a route bound to a feature serves that feature only: a request attributed
 *   to another feature (by `x-gatehouse-feature` or the key's default) does
 *   not see it. A request with no feature may use it and is attributed to it.
 * Anything else is answered like an unknown model (404 `model_not_found`), so
 * a key learns nothing about names it may not use.
 */

export interface ModelCaller {
  tenantId: string;
  scopes: readonly string[];
  /** The request's feature: `x-gatehouse-feature`, else the key's default; null when neither. */
  featureId: string | null;
}

export type Purpose = "chat" | "embeddings";

export function modelNotFound(name: string): GatehouseError {
  return new GatehouseError("model_not_found", `The model '${name}' does not exist or you do not have access to it.`, {
    type: "invalid_request_error",
    param: "model",
  });
}

/** True when the key's `model:` scopes (if any) allow this name. */
export function scopesAllowModel(scopes: readonly string[], name: string): boolean {
  let limited = false;
  for (const s of scopes) {
    if (!s.startsWith("model:")) continue;
    limited = true;
    const allowed = s.slice(6);
    if (allowed === "*" || allowed === name) return true;
  }
  return !limited;
}

function routeServesFeature(route: RouteEntry, featureId: string | null): boolean {
  return route.featureId === null || featureId === null || route.featureId === featureId;
}

const embeddingPlans = new WeakMap<RoutePlan, RoutePlan>();

/** The same plan with only the targets whose model serves embeddings. */
function embeddingsOnly(plan: RoutePlan): RoutePlan {
  let out = embeddingPlans.get(plan);
  if (!out) {
    out = Object.freeze({ ...plan, staticAnswer: null, targets: Object.freeze(plan.targets.filter((t) => t.supportsEmbeddings)) });
    embeddingPlans.set(plan, out);
  }
  return out;
}

export function resolveModel(snapshot: ConfigSnapshot, caller: ModelCaller, name: string, purpose: Purpose): RoutePlan {
  if (!scopesAllowModel(caller.scopes, name)) throw modelNotFound(name);
  const route = snapshot.route(caller.tenantId, name);
  if (route) {
    if (!routeServesFeature(route, caller.featureId)) throw modelNotFound(name);
    const plan = planForRoute(route);
    if (purpose === "chat") return plan;
    const emb = embeddingsOnly(plan);
    if (emb.targets.length === 0) {
      throw new BadRequestError(`The route '${name}' has no target whose model serves embeddings`, "model", "invalid_request");
    }
    return emb;
  }
  const models = snapshot.modelsNamed(caller.tenantId, name);
  const first = models[0];
  if (!first) throw modelNotFound(name);
  if (purpose === "chat") return planForModel(first);
  const emb = models.find((m) => m.supportsEmbeddings);
  if (!emb) throw new BadRequestError(`The model '${name}' does not serve embeddings`, "model", "invalid_request");
  return planForModel(emb);
}

/** `GET /v1/models` for this key: what resolveModel would accept (route aliases for the feature, allowed names). */
export function visibleModels(snapshot: ConfigSnapshot, caller: ModelCaller, entries: readonly ModelEntry[]): ModelEntry[] {
  return entries.filter((e) => {
    if (!scopesAllowModel(caller.scopes, e.id)) return false;
    if (e.kind !== "route") return true;
    const route = snapshot.route(caller.tenantId, e.id);
    return !route || routeServesFeature(route, caller.featureId);
  });
}
