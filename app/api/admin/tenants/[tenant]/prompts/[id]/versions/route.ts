import { created } from "@/lib/http/respond";
import { TenantIdParams } from "@/lib/http/schema";
import { tenantRoute } from "@/lib/http/tenant-route";
import { CreatePromptVersionInput } from "@/lib/prompts/schema";
import { createPromptVersion } from "@/lib/prompts/service";

/** Saves a new immutable version (numbered max + 1); 400 naming an undeclared variable. */
export const POST = tenantRoute({ permission: "prompts:write", params: TenantIdParams, body: CreatePromptVersionInput }, async ({ ctx, params, body }) =>
  created(await createPromptVersion(ctx, params.id, body)),
);
