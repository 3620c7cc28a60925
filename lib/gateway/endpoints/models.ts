import { getGatewayConfig, snapshotReady } from "@/lib/gateway/config";
import { visibleModels } from "@/lib/gateway/route/resolve";
import { authenticate, requireAuth } from "@/lib/gateway/stages/authenticate";
import { featureOfRequest } from "@/lib/gateway/stages/resolve";
import type { Endpoint, Stage } from "@/lib/gateway/types";

/** OpenAI's `GET /v1/models` list shape. */
export interface ModelList {
  object: "list";
  data: Array<{ id: string; object: "model"; created: number; owned_by: string }>;
}

/**
 * The route aliases and concrete models this key may use: the tenant's,
 * narrowed by the key's `model:` scopes and, for routes bound to a feature,
 * by the request's feature (`x-gatehouse-feature` or the key's default), the
 * same rules `POST /v1/chat/completions` applies (route/resolve.ts).
 */
const listModels: Stage = async (ctx) => {
  const auth = requireAuth(ctx);
  const entries = await getGatewayConfig().listModelsForTenant(auth.tenantId);
  const snapshot = await snapshotReady();
  const featureId = featureOfRequest(snapshot, auth, ctx.req.headers)?.id ?? null;
  const body: ModelList = {
    object: "list",
    data: visibleModels(snapshot, { tenantId: auth.tenantId, scopes: auth.scopes, featureId }, entries).map((e) => ({
      id: e.id,
      object: "model",
      created: e.created,
      owned_by: e.ownedBy,
    })),
  };
  return { status: 200, headers: {}, body };
};

export const modelsList: Endpoint = {
  name: "models.list",
  method: "GET",
  path: "/v1/models",
  stages: [authenticate, listModels],
};
