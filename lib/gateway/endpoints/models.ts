import { getGatewayConfig } from "@/lib/gateway/config";
import { authenticate, requireAuth } from "@/lib/gateway/stages/authenticate";
import type { Endpoint, Stage } from "@/lib/gateway/types";

/** OpenAI's `GET /v1/models` list shape. */
export interface ModelList {
  object: "list";
  data: Array<{ id: string; object: "model"; created: number; owned_by: string }>;
}

const listModels: Stage = async (ctx) => {
  const auth = requireAuth(ctx);
  // Issue 3: narrow to what this key may use (its feature's routes, scopes).
  const entries = await getGatewayConfig().listModelsForTenant(auth.tenantId);
  const body: ModelList = {
    object: "list",
    data: entries.map((e) => ({ id: e.id, object: "model", created: e.created, owned_by: e.ownedBy })),
  };
  return { status: 200, headers: {}, body };
};

export const modelsList: Endpoint = {
  name: "models.list",
  method: "GET",
  path: "/v1/models",
  stages: [authenticate, listModels],
};
