"use client";

import { useQuery } from "@tanstack/react-query";
import { z } from "zod";
import { Prompt } from "@/lib/prompts/schema";
import { fetchData, tenantApi } from "@/components/api/client";
import { tenantKey } from "@/components/tenant/query-keys";

export const promptsKey = (slug: string) => tenantKey(slug, "prompts");

/** Prompts with their versions (newest first) and labels. */
export function usePrompts(slug: string) {
  return useQuery({
    queryKey: promptsKey(slug),
    queryFn: () => fetchData(tenantApi(slug, "prompts"), z.array(Prompt)),
  });
}
