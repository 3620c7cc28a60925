"use client";

import { useQuery } from "@tanstack/react-query";
import { z } from "zod";
import { Feature } from "@/lib/features/schema";
import { fetchData, tenantApi } from "@/components/api/client";
import { tenantKey } from "@/components/tenant/query-keys";

export function useFeatures(slug: string) {
  return useQuery({
    queryKey: tenantKey(slug, "features"),
    queryFn: () => fetchData(tenantApi(slug, "features"), z.array(Feature)),
  });
}
