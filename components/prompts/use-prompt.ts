"use client";

import { useQuery } from "@tanstack/react-query";
import { Prompt } from "@/lib/prompts/schema";
import { fetchData, tenantApi } from "@/components/api/client";
import { promptsKey } from "./use-prompts";

export const promptKey = (slug: string, id: string) => [...promptsKey(slug), id] as const;

export const promptApi = (slug: string, id: string, path = "") => tenantApi(slug, `prompts/${encodeURIComponent(id)}${path ? `/${path}` : ""}`);

/** One prompt with every version (newest first) and its labels. */
export function usePrompt(slug: string, id: string) {
  return useQuery({
    queryKey: promptKey(slug, id),
    queryFn: () => fetchData(promptApi(slug, id), Prompt),
  });
}
