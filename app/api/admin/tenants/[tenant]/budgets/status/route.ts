import { budgetStatuses } from "@/lib/budgets/service";
import { budgetCounterReader } from "@/lib/gateway/limits/status";
import { tenantRoute } from "@/lib/http/tenant-route";
import { getRedis } from "@/lib/redis";

/** Spent and reserved this period per budget, live from the gateways' Redis counters; the Budgets page polls it. */
export const GET = tenantRoute({ permission: "budgets:read" }, ({ ctx }) => budgetStatuses(ctx, budgetCounterReader(getRedis())));
