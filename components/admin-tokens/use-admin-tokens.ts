"use client";

import { useQuery } from "@tanstack/react-query";
import { z } from "zod";
import { AdminToken } from "@/lib/admin-tokens/schema";
import { fetchData, tenantApi } from "@/components/api/client";
import { tenantKey } from "@/components/tenant/query-keys";

export const adminTokensKey = (slug: string) => tenantKey(slug, "admin-tokens");

export function useAdminTokens(slug: string, enabled = true) {
  return useQuery({
    queryKey: adminTokensKey(slug),
    queryFn: () => fetchData(tenantApi(slug, "admin-tokens"), z.array(AdminToken)),
    enabled,
  });
}
