"use client";

import { useQuery } from "@tanstack/react-query";
import { Tenant } from "@/lib/tenants/schema";
import { fetchData, tenantApi } from "@/components/api/client";
import { tenantKey } from "@/components/tenant/query-keys";

export function useTenantSettings(slug: string) {
  return useQuery({
    queryKey: tenantKey(slug, "settings"),
    queryFn: () => fetchData(tenantApi(slug, "settings"), Tenant),
  });
}
