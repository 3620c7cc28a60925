import { TenantIdParams } from "@/lib/http/schema";
import { tenantRoute } from "@/lib/http/tenant-route";
import { UpdateRouteInput } from "@/lib/routes/schema";
import { getRouteOrThrow, updateRoute } from "@/lib/routes/service";

export const GET = tenantRoute({ permission: "routes:read", params: TenantIdParams }, ({ ctx, params }) => getRouteOrThrow(ctx, params.id));

/** Description, time budget, static fallback answer and (optionally) the whole chain of targets, in order. */
export const PATCH = tenantRoute({ permission: "routes:write", params: TenantIdParams, body: UpdateRouteInput }, ({ ctx, params, body }) =>
  updateRoute(ctx, params.id, body),
);
