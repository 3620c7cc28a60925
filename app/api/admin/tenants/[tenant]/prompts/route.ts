import { created } from "@/lib/http/respond";
import { tenantRoute } from "@/lib/http/tenant-route";
import { CreatePromptInput } from "@/lib/prompts/schema";
import { createPrompt, listPrompts } from "@/lib/prompts/service";

export const GET = tenantRoute({ permission: "prompts:read" }, ({ ctx }) => listPrompts(ctx));

export const POST = tenantRoute({ permission: "prompts:write", body: CreatePromptInput }, async ({ ctx, body }) => created(await createPrompt(ctx, body)));
