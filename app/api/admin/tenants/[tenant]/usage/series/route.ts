import { tenantRoute } from "@/lib/http/tenant-route";
import { getUsageSeries } from "@/lib/usage/service";
import { UsageSeriesQuery } from "@/lib/usage/schema";

/** Cost, tokens and requests per bucket, for the tenant or per feature or model (from the roll-ups). */
export const GET = tenantRoute({ permission: "budgets:read", query: UsageSeriesQuery }, ({ ctx, query }) => getUsageSeries(ctx, query));
