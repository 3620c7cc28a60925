import { TenantIdParams } from "@/lib/http/schema";
import { tenantRoute } from "@/lib/http/tenant-route";
import { revokeAdminToken } from "@/lib/admin-tokens/service";

export const DELETE = tenantRoute({ permission: "admin_tokens:write", params: TenantIdParams }, ({ ctx, params }) =>
  revokeAdminToken(ctx, params.id),
);
