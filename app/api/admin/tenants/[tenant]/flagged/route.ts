import { paged } from "@/lib/http/respond";
import { tenantRoute } from "@/lib/http/tenant-route";
import { listFlagged } from "@/lib/requests/flagged";
import { ListFlaggedQuery } from "@/lib/requests/schema";

/** Requests a guard flagged, redacted or blocked, newest first, with their verdicts. */
export const GET = tenantRoute({ permission: "requests:read", query: ListFlaggedQuery }, async ({ ctx, query }) =>
  paged(await listFlagged(ctx, query)),
);
