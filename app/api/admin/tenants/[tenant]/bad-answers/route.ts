import { ListBadAnswersQuery } from "@/lib/feedback/schema";
import { listBadAnswers } from "@/lib/feedback/service";
import { paged } from "@/lib/http/respond";
import { tenantRoute } from "@/lib/http/tenant-route";

/** Negative feedback, newest first, each with its request's summary; `resolved=false` is the open queue. */
export const GET = tenantRoute({ permission: "requests:read", query: ListBadAnswersQuery }, async ({ ctx, query }) =>
  paged(await listBadAnswers(ctx, query)),
);
