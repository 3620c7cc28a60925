"use client";

import { useInfiniteQuery } from "@tanstack/react-query";
import { EvalRun } from "@/lib/evals/schema";
import { fetchPage, tenantApi } from "@/components/api/client";
import { tenantKey } from "@/components/tenant/query-keys";

/** Eval runs, newest first, cursor-paged. */
export function useEvalRuns(slug: string) {
  return useInfiniteQuery({
    queryKey: tenantKey(slug, "eval-runs"),
    initialPageParam: null as string | null,
    queryFn: ({ pageParam }) => {
      const q = new URLSearchParams({ limit: "25" });
      if (pageParam) q.set("cursor", pageParam);
      return fetchPage(tenantApi(slug, `eval-runs?${q}`), EvalRun);
    },
    getNextPageParam: (last) => last.nextCursor,
  });
}
