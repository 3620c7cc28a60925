"use client";

import { useQuery } from "@tanstack/react-query";
import { z } from "zod";
import { Prompt } from "@/lib/prompts/schema";
import { fetchData, tenantApi } from "@/components/api/client";
import { tenantKey } from "@/components/tenant/query-keys";

/** Prompts with their versions (newest first) and labels. */
export function usePrompts(slug: string) {
  return useQuery({
    queryKey: tenantKey(slug, "prompts"),
    queryFn: () => fetchData(tenantApi(slug, "prompts"), z.array(Prompt)),
  });
}
