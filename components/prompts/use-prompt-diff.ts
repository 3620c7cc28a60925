"use client";

import { useQuery } from "@tanstack/react-query";
import { PromptVersionDiff } from "@/lib/prompts/schema";
import { fetchData } from "@/components/api/client";
import { promptApi, promptKey } from "./use-prompt";

/** The server-computed diff of two versions (versions are immutable, so it never goes stale). */
export function usePromptDiff(slug: string, promptId: string, from: string | null, to: string | null) {
  return useQuery({
    queryKey: [...promptKey(slug, promptId), "diff", { from, to }],
    queryFn: () => {
      const q = new URLSearchParams({ from: from ?? "", to: to ?? "" });
      return fetchData(promptApi(slug, promptId, `diff?${q}`), PromptVersionDiff);
    },
    enabled: from !== null && to !== null,
    staleTime: Number.POSITIVE_INFINITY,
  });
}
