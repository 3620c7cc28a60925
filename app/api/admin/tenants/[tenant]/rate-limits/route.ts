import { tenantRoute } from "@/lib/http/tenant-route";
import { listRateLimits } from "@/lib/budgets/service";

export const GET = tenantRoute({ permission: "budgets:read" }, ({ ctx }) => listRateLimits(ctx));
