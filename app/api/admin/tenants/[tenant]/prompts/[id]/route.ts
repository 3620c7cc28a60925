import { TenantIdParams } from "@/lib/http/schema";
import { tenantRoute } from "@/lib/http/tenant-route";
import { getPromptOrThrow } from "@/lib/prompts/service";

/** The prompt with its versions (newest first) and labels. */
export const GET = tenantRoute({ permission: "prompts:read", params: TenantIdParams }, ({ ctx, params }) => getPromptOrThrow(ctx, params.id));
