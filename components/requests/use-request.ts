"use client";

import { useQuery } from "@tanstack/react-query";
import { RequestLogDetail } from "@/lib/requests/schema";
import { fetchData, tenantApi } from "@/components/api/client";
import { tenantKey } from "@/components/tenant/query-keys";

/** One request with its prompt, context, attempts, guard verdicts and feedback. */
export function useRequest(slug: string, id: string) {
  return useQuery({
    queryKey: tenantKey(slug, "requests", id),
    queryFn: () => fetchData(tenantApi(slug, `requests/${encodeURIComponent(id)}`), RequestLogDetail),
  });
}
