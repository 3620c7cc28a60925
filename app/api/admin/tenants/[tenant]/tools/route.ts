import { created } from "@/lib/http/respond";
import { tenantRoute } from "@/lib/http/tenant-route";
import { CreateToolInput } from "@/lib/guards/schema";
import { createTool, listTools } from "@/lib/guards/service";

export const GET = tenantRoute({ permission: "guards:read" }, ({ ctx }) => listTools(ctx));
export const POST = tenantRoute({ permission: "guards:write", body: CreateToolInput }, async ({ ctx, body }) => created(await createTool(ctx, body)));
