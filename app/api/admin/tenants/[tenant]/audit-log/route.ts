import { paged } from "@/lib/http/respond";
import { tenantRoute } from "@/lib/http/tenant-route";
import { ListAuditLogQuery } from "@/lib/audit/schema";
import { listAuditLog } from "@/lib/audit/service";

export const GET = tenantRoute({ permission: "audit:read", query: ListAuditLogQuery }, async ({ ctx, query }) =>
  paged(await listAuditLog(ctx, query)),
);
