"use client";

import { useQuery } from "@tanstack/react-query";
import { z } from "zod";
import { Provider } from "@/lib/providers/schema";
import { fetchData, tenantApi } from "@/components/api/client";
import { tenantKey } from "@/components/tenant/query-keys";

/** Providers with their models and current prices; never a secret, only hasSecret. */
export function useProviders(slug: string) {
  return useQuery({
    queryKey: tenantKey(slug, "providers"),
    queryFn: () => fetchData(tenantApi(slug, "providers"), z.array(Provider)),
  });
}
