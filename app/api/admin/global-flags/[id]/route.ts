import { IdParams } from "@/lib/http/schema";
import { platformRoute } from "@/lib/http/platform-route";
import { UpdateGlobalFlagInput } from "@/lib/flags/schema";
import { updateGlobalFlag } from "@/lib/flags/service";

/** Turns a platform-wide flag on or off (the global kill switch stops every AI call of every tenant). */
export const PATCH = platformRoute({ access: "platform_admin", params: IdParams, body: UpdateGlobalFlagInput }, ({ ctx, params, body }) =>
  updateGlobalFlag(ctx, params.id, body),
);
