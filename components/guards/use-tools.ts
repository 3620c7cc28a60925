"use client";

import { useQuery } from "@tanstack/react-query";
import { z } from "zod";
import { ToolDefinition } from "@/lib/guards/schema";
import { fetchData, tenantApi } from "@/components/api/client";
import { tenantKey } from "@/components/tenant/query-keys";

export const toolsKey = (slug: string) => tenantKey(slug, "tools");

/** The tenant's tool surface: tool definitions per feature (or for every feature). */
export function useTools(slug: string) {
  return useQuery({
    queryKey: toolsKey(slug),
    queryFn: () => fetchData(tenantApi(slug, "tools"), z.array(ToolDefinition)),
  });
}
