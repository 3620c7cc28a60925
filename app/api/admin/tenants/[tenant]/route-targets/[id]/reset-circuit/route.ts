import { TenantIdParams } from "@/lib/http/schema";
import { tenantRoute } from "@/lib/http/tenant-route";
import { resetRouteTargetCircuit } from "@/lib/routes/service";
import { circuitStore } from "../../circuits";

/** Closes the target's circuit and forgets its failures (every gateway instance at once). */
export const POST = tenantRoute({ permission: "routes:write", params: TenantIdParams }, ({ ctx, params }) =>
  resetRouteTargetCircuit(ctx, params.id, circuitStore()),
);
