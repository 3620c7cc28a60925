import { TenantIdParams } from "@/lib/http/schema";
import { tenantRoute } from "@/lib/http/tenant-route";
import { listFlagHistory } from "@/lib/flags/service";

/** The flag's audit rows (create, edits, flips), newest first. */
export const GET = tenantRoute({ permission: "flags:read", params: TenantIdParams }, ({ ctx, params }) => listFlagHistory(ctx, params.id));
