import { playgroundCall } from "@/lib/gateway/playground";
import { TenantIdParams } from "@/lib/http/schema";
import { tenantRoute } from "@/lib/http/tenant-route";
import { PlaygroundInput } from "@/lib/prompts/schema";
import { runPromptPlayground } from "@/lib/prompts/service";

export const dynamic = "force-dynamic";

/** Runs a version through the real gateway pipeline in this process, for this tenant; returns its status, headers and body. */
export const POST = tenantRoute({ permission: "prompts:write", params: TenantIdParams, body: PlaygroundInput }, ({ ctx, params, body }) =>
  runPromptPlayground(ctx, params.id, body, playgroundCall),
);
