import { tenantRoute } from "@/lib/http/tenant-route";
import { getRouteTargetsHealth } from "@/lib/routes/service";
import { circuitStore } from "../circuits";

/** Every target's live circuit state (Redis) and recent error rate (request log); the dashboard polls it. */
export const GET = tenantRoute({ permission: "routes:read" }, ({ ctx }) => getRouteTargetsHealth(ctx, circuitStore()));
