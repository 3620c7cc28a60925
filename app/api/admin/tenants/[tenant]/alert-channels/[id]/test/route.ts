import { TenantIdParams } from "@/lib/http/schema";
import { tenantRoute } from "@/lib/http/tenant-route";
import { testAlertChannel } from "@/lib/alerts/channels";

/** Sends a test alert now and reports what the receiver answered (200 either way; `ok` says). */
export const POST = tenantRoute({ permission: "alerts:write", params: TenantIdParams }, ({ ctx, params }) => testAlertChannel(ctx, params.id));
