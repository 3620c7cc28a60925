import { created } from "@/lib/http/respond";
import { tenantRoute } from "@/lib/http/tenant-route";
import { CreateRateLimitInput } from "@/lib/budgets/schema";
import { createRateLimit, listRateLimits } from "@/lib/budgets/service";

export const GET = tenantRoute({ permission: "budgets:read" }, ({ ctx }) => listRateLimits(ctx));

/** Audited; every gateway enforces it within a second (config snapshot reload). */
export const POST = tenantRoute({ permission: "budgets:write", body: CreateRateLimitInput }, async ({ ctx, body }) => created(await createRateLimit(ctx, body)));
