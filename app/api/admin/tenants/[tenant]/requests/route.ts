import { paged } from "@/lib/http/respond";
import { tenantRoute } from "@/lib/http/tenant-route";
import { ListRequestsQuery } from "@/lib/requests/schema";
import { listRequests } from "@/lib/requests/service";

export const GET = tenantRoute({ permission: "requests:read", query: ListRequestsQuery }, async ({ ctx, query }) =>
  paged(await listRequests(ctx, query)),
);
