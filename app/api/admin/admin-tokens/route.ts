import { created } from "@/lib/http/respond";
import { platformRoute } from "@/lib/http/platform-route";
import { CreatePlatformAdminTokenInput } from "@/lib/admin-tokens/schema";
import { createPlatformAdminToken, listPlatformAdminTokens } from "@/lib/admin-tokens/service";

export const GET = platformRoute({ access: "platform_admin" }, ({ ctx }) => listPlatformAdminTokens(ctx));

export const POST = platformRoute({ access: "platform_admin", body: CreatePlatformAdminTokenInput }, async ({ ctx, body }) =>
  created(await createPlatformAdminToken(ctx, body)),
);
