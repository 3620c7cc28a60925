import { TenantIdParams } from "@/lib/http/schema";
import { tenantRoute } from "@/lib/http/tenant-route";
import { UpdateRateLimitInput } from "@/lib/budgets/schema";
import { deleteRateLimit, updateRateLimit } from "@/lib/budgets/service";

/** The per-minute figures, the concurrency cap, enabled (scope and subject are fixed). */
export const PATCH = tenantRoute({ permission: "budgets:write", params: TenantIdParams, body: UpdateRateLimitInput }, ({ ctx, params, body }) =>
  updateRateLimit(ctx, params.id, body),
);

export const DELETE = tenantRoute({ permission: "budgets:write", params: TenantIdParams }, ({ ctx, params }) => deleteRateLimit(ctx, params.id));
