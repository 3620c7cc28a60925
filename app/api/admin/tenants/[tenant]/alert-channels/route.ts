import { created } from "@/lib/http/respond";
import { tenantRoute } from "@/lib/http/tenant-route";
import { createAlertChannel, listAlertChannels } from "@/lib/alerts/channels";
import { CreateAlertChannelInput } from "@/lib/alerts/schema";

export const GET = tenantRoute({ permission: "alerts:read" }, ({ ctx }) => listAlertChannels(ctx));

export const POST = tenantRoute({ permission: "alerts:write", body: CreateAlertChannelInput }, async ({ ctx, body }) =>
  created(await createAlertChannel(ctx, body)),
);
