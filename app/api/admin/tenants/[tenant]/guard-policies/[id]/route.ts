import { TenantIdParams } from "@/lib/http/schema";
import { tenantRoute } from "@/lib/http/tenant-route";
import { deleteGuardPolicy } from "@/lib/guards/service";

/** The feature falls back to the tenant default, the tenant default to the built-in policy. */
export const DELETE = tenantRoute({ permission: "guards:write", params: TenantIdParams }, ({ ctx, params }) => deleteGuardPolicy(ctx, params.id));
