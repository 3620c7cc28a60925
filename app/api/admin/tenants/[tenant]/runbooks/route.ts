import { tenantRoute } from "@/lib/http/tenant-route";
import { listRunbooks } from "@/lib/runbooks/service";

export const GET = tenantRoute({ permission: "runbooks:read" }, ({ ctx }) => listRunbooks(ctx));
