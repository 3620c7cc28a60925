import { created } from "@/lib/http/respond";
import { tenantRoute } from "@/lib/http/tenant-route";
import { CreateApiKeyInput } from "@/lib/api-keys/schema";
import { createApiKey, listApiKeys } from "@/lib/api-keys/service";

export const GET = tenantRoute({ permission: "api_keys:read" }, ({ ctx }) => listApiKeys(ctx));

export const POST = tenantRoute({ permission: "api_keys:write", body: CreateApiKeyInput }, async ({ ctx, body }) =>
  created(await createApiKey(ctx, body)),
);
