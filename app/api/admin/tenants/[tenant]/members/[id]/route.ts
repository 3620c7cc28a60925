import { TenantIdParams } from "@/lib/http/schema";
import { tenantRoute } from "@/lib/http/tenant-route";
import { UpdateMemberInput } from "@/lib/members/schema";
import { removeMember, updateMemberRole } from "@/lib/members/service";

export const PATCH = tenantRoute(
  { permission: "members:write", params: TenantIdParams, body: UpdateMemberInput },
  ({ ctx, params, body }) => updateMemberRole(ctx, params.id, body),
);

export const DELETE = tenantRoute({ permission: "members:write", params: TenantIdParams }, ({ ctx, params }) =>
  removeMember(ctx, params.id),
);
