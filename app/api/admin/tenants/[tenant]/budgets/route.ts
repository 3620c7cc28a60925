import { created } from "@/lib/http/respond";
import { tenantRoute } from "@/lib/http/tenant-route";
import { CreateBudgetInput } from "@/lib/budgets/schema";
import { createBudget, listBudgets } from "@/lib/budgets/service";

export const GET = tenantRoute({ permission: "budgets:read" }, ({ ctx }) => listBudgets(ctx));

/** Audited; every gateway enforces it within a second (config snapshot reload). */
export const POST = tenantRoute({ permission: "budgets:write", body: CreateBudgetInput }, async ({ ctx, body }) => created(await createBudget(ctx, body)));
