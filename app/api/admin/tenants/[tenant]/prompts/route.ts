import { tenantRoute } from "@/lib/http/tenant-route";
import { listPrompts } from "@/lib/prompts/service";

export const GET = tenantRoute({ permission: "prompts:read" }, ({ ctx }) => listPrompts(ctx));
