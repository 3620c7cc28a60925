import { TenantIdParams } from "@/lib/http/schema";
import { tenantRoute } from "@/lib/http/tenant-route";
import { UpdateBudgetInput } from "@/lib/budgets/schema";
import { deleteBudget, getBudgetOrThrow, updateBudget } from "@/lib/budgets/service";

export const GET = tenantRoute({ permission: "budgets:read", params: TenantIdParams }, ({ ctx, params }) => getBudgetOrThrow(ctx, params.id));

/** Name, period, limit, mode, alert thresholds, enabled (the subject is fixed). */
export const PATCH = tenantRoute({ permission: "budgets:write", params: TenantIdParams, body: UpdateBudgetInput }, ({ ctx, params, body }) =>
  updateBudget(ctx, params.id, body),
);

export const DELETE = tenantRoute({ permission: "budgets:write", params: TenantIdParams }, ({ ctx, params }) => deleteBudget(ctx, params.id));
