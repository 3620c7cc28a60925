import { tenantRoute } from "@/lib/http/tenant-route";
import { listFlags } from "@/lib/flags/service";

export const GET = tenantRoute({ permission: "flags:read" }, ({ ctx }) => listFlags(ctx));
