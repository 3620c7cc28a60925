"use client";

import { useQuery } from "@tanstack/react-query";
import { z } from "zod";
import { Route } from "@/lib/routes/schema";
import { fetchData, tenantApi } from "@/components/api/client";
import { tenantKey } from "@/components/tenant/query-keys";

export const routesKey = (slug: string) => tenantKey(slug, "routes");

/** Routes with their ordered targets (primary first). */
export function useRoutes(slug: string) {
  return useQuery({
    queryKey: routesKey(slug),
    queryFn: () => fetchData(tenantApi(slug, "routes"), z.array(Route)),
  });
}
