import { IdParams } from "@/lib/http/schema";
import { platformRoute } from "@/lib/http/platform-route";
import { revokePlatformAdminToken } from "@/lib/admin-tokens/service";

export const DELETE = platformRoute({ access: "platform_admin", params: IdParams }, ({ ctx, params }) =>
  revokePlatformAdminToken(ctx, params.id),
);
