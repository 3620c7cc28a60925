import { TenantIdParams } from "@/lib/http/schema";
import { tenantRoute } from "@/lib/http/tenant-route";
import { UpdateProviderInput } from "@/lib/providers/schema";
import { getProviderOrThrow, updateProvider } from "@/lib/providers/service";

export const GET = tenantRoute({ permission: "providers:read", params: TenantIdParams }, ({ ctx, params }) =>
  getProviderOrThrow(ctx, params.id),
);

export const PATCH = tenantRoute(
  { permission: "providers:write", params: TenantIdParams, body: UpdateProviderInput },
  ({ ctx, params, body }) => updateProvider(ctx, params.id, body),
);
