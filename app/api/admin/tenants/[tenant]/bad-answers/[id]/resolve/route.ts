import { resolveBadAnswer } from "@/lib/feedback/service";
import { TenantIdParams } from "@/lib/http/schema";
import { tenantRoute } from "@/lib/http/tenant-route";

/** Marks a bad answer resolved (audited; resolving twice changes nothing). */
export const POST = tenantRoute({ permission: "feedback:write", params: TenantIdParams }, ({ ctx, params }) => resolveBadAnswer(ctx, params.id));
