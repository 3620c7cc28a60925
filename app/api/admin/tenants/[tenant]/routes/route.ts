import { tenantRoute } from "@/lib/http/tenant-route";
import { listRoutes } from "@/lib/routes/service";

export const GET = tenantRoute({ permission: "routes:read" }, ({ ctx }) => listRoutes(ctx));
