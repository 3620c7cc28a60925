import { TenantIdParams } from "@/lib/http/schema";
import { tenantRoute } from "@/lib/http/tenant-route";
import { UpdateToolInput } from "@/lib/guards/schema";
import { deleteTool, updateTool } from "@/lib/guards/service";

export const PATCH = tenantRoute({ permission: "guards:write", params: TenantIdParams, body: UpdateToolInput }, ({ ctx, params, body }) =>
  updateTool(ctx, params.id, body),
);
export const DELETE = tenantRoute({ permission: "guards:write", params: TenantIdParams }, ({ ctx, params }) => deleteTool(ctx, params.id));
