"use client";

import { useQuery } from "@tanstack/react-query";
import { z } from "zod";
import { GuardPolicy } from "@/lib/guards/schema";
import { fetchData, tenantApi } from "@/components/api/client";
import { tenantKey } from "@/components/tenant/query-keys";

/** Guard policies: the tenant default and per-feature overrides. */
export function useGuardPolicies(slug: string) {
  return useQuery({
    queryKey: tenantKey(slug, "guard-policies"),
    queryFn: () => fetchData(tenantApi(slug, "guard-policies"), z.array(GuardPolicy)),
  });
}
