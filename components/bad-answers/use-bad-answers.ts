"use client";

import { useInfiniteQuery } from "@tanstack/react-query";
import { BadAnswer } from "@/lib/feedback/schema";
import { fetchPage, tenantApi } from "@/components/api/client";
import { tenantKey } from "@/components/tenant/query-keys";

/** "open" = the queue, "resolved" = done, "all" = both. */
export type BadAnswerFilter = "open" | "resolved" | "all";

export const badAnswersKey = (slug: string) => tenantKey(slug, "bad-answers");

/** Negative feedback, newest first, keyset-paged by the server's cursor. */
export function useBadAnswers(slug: string, filter: BadAnswerFilter, limit = 50) {
  return useInfiniteQuery({
    queryKey: [...badAnswersKey(slug), { filter, limit }],
    initialPageParam: null as string | null,
    queryFn: ({ pageParam }) => {
      const q = new URLSearchParams({ limit: String(limit) });
      if (filter !== "all") q.set("resolved", filter === "resolved" ? "true" : "false");
      if (pageParam) q.set("cursor", pageParam);
      return fetchPage(tenantApi(slug, `bad-answers?${q}`), BadAnswer);
    },
    getNextPageParam: (last) => last.nextCursor,
  });
}
