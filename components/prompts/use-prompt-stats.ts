"use client";

import { useQuery } from "@tanstack/react-query";
import { PromptStats } from "@/lib/prompts/schema";
import { fetchData } from "@/components/api/client";
import { promptApi, promptKey } from "./use-prompt";

/** Per-version traffic, error rate, median latency, cost and negative feedback over the last days. */
export function usePromptStats(slug: string, promptId: string) {
  return useQuery({
    queryKey: [...promptKey(slug, promptId), "stats"],
    queryFn: () => fetchData(promptApi(slug, promptId, "stats"), PromptStats),
  });
}
