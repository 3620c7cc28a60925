import { tenantRoute } from "@/lib/http/tenant-route";
import { getCacheUsage } from "@/lib/usage/service";
import { UsageRangeQuery } from "@/lib/usage/schema";

/** Cache hit rate and money saved by the response cache. */
export const GET = tenantRoute({ permission: "budgets:read", query: UsageRangeQuery }, ({ ctx, query }) => getCacheUsage(ctx, query));
