import { tenantRoute } from "@/lib/http/tenant-route";
import { getBlockedUsage } from "@/lib/usage/service";
import { UsageRangeQuery } from "@/lib/usage/schema";

/** Requests refused by a budget or a rate limit, per bucket (from the request log). */
export const GET = tenantRoute({ permission: "budgets:read", query: UsageRangeQuery }, ({ ctx, query }) => getBlockedUsage(ctx, query));
