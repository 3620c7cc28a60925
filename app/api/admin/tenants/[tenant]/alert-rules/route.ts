import { tenantRoute } from "@/lib/http/tenant-route";
import { listAlertRules } from "@/lib/alerts/service";

export const GET = tenantRoute({ permission: "alerts:read" }, ({ ctx }) => listAlertRules(ctx));
