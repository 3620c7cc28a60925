"use client";

import { useQuery } from "@tanstack/react-query";
import { z } from "zod";
import { GoldenSet } from "@/lib/evals/schema";
import { fetchData, tenantApi } from "@/components/api/client";
import { tenantKey } from "@/components/tenant/query-keys";

/** Golden sets with their case counts. */
export function useGoldenSets(slug: string) {
  return useQuery({
    queryKey: tenantKey(slug, "golden-sets"),
    queryFn: () => fetchData(tenantApi(slug, "golden-sets"), z.array(GoldenSet)),
  });
}
