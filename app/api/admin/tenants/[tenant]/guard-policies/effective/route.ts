import { tenantRoute } from "@/lib/http/tenant-route";
import { EffectiveGuardPolicyQuery } from "@/lib/guards/schema";
import { getEffectiveGuardPolicy } from "@/lib/guards/service";

export const GET = tenantRoute({ permission: "guards:read", query: EffectiveGuardPolicyQuery }, ({ ctx, query }) =>
  getEffectiveGuardPolicy(ctx, query.featureId ?? null),
);
