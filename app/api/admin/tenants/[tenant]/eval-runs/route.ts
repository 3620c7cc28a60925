import { paged } from "@/lib/http/respond";
import { CursorQuery } from "@/lib/http/schema";
import { tenantRoute } from "@/lib/http/tenant-route";
import { listEvalRuns } from "@/lib/evals/service";

export const GET = tenantRoute({ permission: "evals:read", query: CursorQuery }, async ({ ctx, query }) =>
  paged(await listEvalRuns(ctx, query)),
);
