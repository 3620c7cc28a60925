import { tenantRoute } from "@/lib/http/tenant-route";
import { listFeatures } from "@/lib/features/service";

export const GET = tenantRoute({ permission: "features:read" }, ({ ctx }) => listFeatures(ctx));
