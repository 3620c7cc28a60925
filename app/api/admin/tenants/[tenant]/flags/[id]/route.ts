import { TenantIdParams } from "@/lib/http/schema";
import { tenantRoute } from "@/lib/http/tenant-route";
import { UpdateFlagInput } from "@/lib/flags/schema";
import { getFlagOrThrow, updateFlag } from "@/lib/flags/service";

export const GET = tenantRoute({ permission: "flags:read", params: TenantIdParams }, ({ ctx, params }) => getFlagOrThrow(ctx, params.id));

/** Edit or flip; a kill switch also needs kill_switches:write (checked by the service). */
export const PATCH = tenantRoute({ permission: "flags:write", params: TenantIdParams, body: UpdateFlagInput }, ({ ctx, params, body }) =>
  updateFlag(ctx, params.id, body),
);
