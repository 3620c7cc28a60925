"use client";

import { useQuery } from "@tanstack/react-query";
import { z } from "zod";
import { Runbook } from "@/lib/runbooks/schema";
import { fetchData, tenantApi } from "@/components/api/client";
import { tenantKey } from "@/components/tenant/query-keys";

/** Runbooks, each answering one incident signal (or general). */
export function useRunbooks(slug: string) {
  return useQuery({
    queryKey: tenantKey(slug, "runbooks"),
    queryFn: () => fetchData(tenantApi(slug, "runbooks"), z.array(Runbook)),
  });
}
