import { TenantIdParams } from "@/lib/http/schema";
import { tenantRoute } from "@/lib/http/tenant-route";
import { getPromptStats } from "@/lib/prompts/service";

/** Per version over the last 7 days: requests, error rate, p50 latency, cost, negative-feedback rate. */
export const GET = tenantRoute({ permission: "prompts:read", params: TenantIdParams }, ({ ctx, params }) => getPromptStats(ctx, params.id));
