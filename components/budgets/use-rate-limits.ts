"use client";

import { useQuery } from "@tanstack/react-query";
import { z } from "zod";
import { RateLimit } from "@/lib/budgets/schema";
import { fetchData, tenantApi } from "@/components/api/client";
import { tenantKey } from "@/components/tenant/query-keys";

export function useRateLimits(slug: string) {
  return useQuery({
    queryKey: tenantKey(slug, "rate-limits"),
    queryFn: () => fetchData(tenantApi(slug, "rate-limits"), z.array(RateLimit)),
  });
}
