import { TenantIdParams } from "@/lib/http/schema";
import { tenantRoute } from "@/lib/http/tenant-route";
import { getRequestOrThrow } from "@/lib/requests/service";

export const GET = tenantRoute({ permission: "requests:read", params: TenantIdParams }, ({ ctx, params }) =>
  getRequestOrThrow(ctx, params.id),
);
