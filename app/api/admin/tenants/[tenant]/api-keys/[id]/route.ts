import { TenantIdParams } from "@/lib/http/schema";
import { tenantRoute } from "@/lib/http/tenant-route";
import { getApiKeyOrThrow, revokeApiKey } from "@/lib/api-keys/service";

export const GET = tenantRoute({ permission: "api_keys:read", params: TenantIdParams }, ({ ctx, params }) =>
  getApiKeyOrThrow(ctx, params.id),
);

/** Revokes the key (the row stays for the audit trail). */
export const DELETE = tenantRoute({ permission: "api_keys:write", params: TenantIdParams }, ({ ctx, params }) =>
  revokeApiKey(ctx, params.id),
);
