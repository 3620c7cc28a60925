import { tenantRoute } from "@/lib/http/tenant-route";
import { listGuardPolicies } from "@/lib/guards/service";

export const GET = tenantRoute({ permission: "guards:read" }, ({ ctx }) => listGuardPolicies(ctx));
