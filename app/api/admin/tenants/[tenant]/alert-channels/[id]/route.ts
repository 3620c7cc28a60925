import { TenantIdParams } from "@/lib/http/schema";
import { tenantRoute } from "@/lib/http/tenant-route";
import { deleteAlertChannel, updateAlertChannel } from "@/lib/alerts/channels";
import { UpdateAlertChannelInput } from "@/lib/alerts/schema";

export const PATCH = tenantRoute({ permission: "alerts:write", params: TenantIdParams, body: UpdateAlertChannelInput }, ({ ctx, params, body }) =>
  updateAlertChannel(ctx, params.id, body),
);

export const DELETE = tenantRoute({ permission: "alerts:write", params: TenantIdParams }, ({ ctx, params }) => deleteAlertChannel(ctx, params.id));
