import { tenantRoute } from "@/lib/http/tenant-route";
import { getTenantSettings } from "@/lib/tenants/service";

export const GET = tenantRoute({ permission: "tenant:read" }, ({ ctx }) => getTenantSettings(ctx));
