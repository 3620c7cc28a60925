import { TenantIdParams } from "@/lib/http/schema";
import { tenantRoute } from "@/lib/http/tenant-route";
import { PromptDiffQuery } from "@/lib/prompts/schema";
import { diffPromptVersionsOf } from "@/lib/prompts/service";

/** `?from=<versionId>&to=<versionId>`: side-by-side rows, hunks and the unified patch per field. */
export const GET = tenantRoute({ permission: "prompts:read", params: TenantIdParams, query: PromptDiffQuery }, ({ ctx, params, query }) =>
  diffPromptVersionsOf(ctx, params.id, query),
);
