import { paged } from "@/lib/http/respond";
import { tenantRoute } from "@/lib/http/tenant-route";
import { ListIncidentsQuery } from "@/lib/incidents/schema";
import { listIncidents } from "@/lib/incidents/service";

export const GET = tenantRoute({ permission: "incidents:read", query: ListIncidentsQuery }, async ({ ctx, query }) =>
  paged(await listIncidents(ctx, query)),
);
