import { tenantRoute } from "@/lib/http/tenant-route";
import { PutGuardPolicyInput } from "@/lib/guards/schema";
import { listGuardPolicies, putGuardPolicy } from "@/lib/guards/service";

export const GET = tenantRoute({ permission: "guards:read" }, ({ ctx }) => listGuardPolicies(ctx));

/** Creates or replaces the policy of a feature (featureId) or the tenant default (featureId null); bumps its version. */
export const PUT = tenantRoute({ permission: "guards:write", body: PutGuardPolicyInput }, ({ ctx, body }) => putGuardPolicy(ctx, body));
