"use client";

import { useQuery } from "@tanstack/react-query";
import { z } from "zod";
import { AlertRule } from "@/lib/alerts/schema";
import { fetchData, tenantApi } from "@/components/api/client";
import { tenantKey } from "@/components/tenant/query-keys";

/** Alert rules that open incidents. */
export function useAlertRules(slug: string) {
  return useQuery({
    queryKey: tenantKey(slug, "alert-rules"),
    queryFn: () => fetchData(tenantApi(slug, "alert-rules"), z.array(AlertRule)),
  });
}
