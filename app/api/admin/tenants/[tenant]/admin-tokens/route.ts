import { created } from "@/lib/http/respond";
import { tenantRoute } from "@/lib/http/tenant-route";
import { CreateAdminTokenInput } from "@/lib/admin-tokens/schema";
import { createAdminToken, listAdminTokens } from "@/lib/admin-tokens/service";

export const GET = tenantRoute({ permission: "admin_tokens:read" }, ({ ctx }) => listAdminTokens(ctx));

export const POST = tenantRoute({ permission: "admin_tokens:write", body: CreateAdminTokenInput }, async ({ ctx, body }) =>
  created(await createAdminToken(ctx, body)),
);
