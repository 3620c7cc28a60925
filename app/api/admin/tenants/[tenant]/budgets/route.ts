import { tenantRoute } from "@/lib/http/tenant-route";
import { listBudgets } from "@/lib/budgets/service";

export const GET = tenantRoute({ permission: "budgets:read" }, ({ ctx }) => listBudgets(ctx));
