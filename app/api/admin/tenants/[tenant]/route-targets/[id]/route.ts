import { TenantIdParams } from "@/lib/http/schema";
import { tenantRoute } from "@/lib/http/tenant-route";
import { UpdateRouteTargetInput } from "@/lib/routes/schema";
import { updateRouteTarget } from "@/lib/routes/service";

/** Force the circuit open or closed, clear the override, or switch the target off/on. */
export const PATCH = tenantRoute(
  { permission: "routes:write", params: TenantIdParams, body: UpdateRouteTargetInput },
  ({ ctx, params, body }) => updateRouteTarget(ctx, params.id, body),
);
