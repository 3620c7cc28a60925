import { tenantRoute } from "@/lib/http/tenant-route";
import { getTopEndUsers } from "@/lib/usage/service";
import { UsageTopQuery } from "@/lib/usage/schema";

/** The end-users who cost the most in the range. */
export const GET = tenantRoute({ permission: "budgets:read", query: UsageTopQuery }, ({ ctx, query }) => getTopEndUsers(ctx, query));
