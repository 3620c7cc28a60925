"use client";

import { useQuery } from "@tanstack/react-query";
import { z } from "zod";
import { ApiKey } from "@/lib/api-keys/schema";
import { fetchData, tenantApi } from "@/components/api/client";
import { tenantKey } from "@/components/tenant/query-keys";

export const apiKeysKey = (slug: string) => tenantKey(slug, "api-keys");

/** The tenant's API keys (never their secrets), newest first. */
export function useApiKeys(slug: string) {
  return useQuery({
    queryKey: apiKeysKey(slug),
    queryFn: () => fetchData(tenantApi(slug, "api-keys"), z.array(ApiKey)),
  });
}
