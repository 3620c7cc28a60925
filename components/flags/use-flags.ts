"use client";

import { useQuery } from "@tanstack/react-query";
import { z } from "zod";
import { Flag } from "@/lib/flags/schema";
import { fetchData, tenantApi } from "@/components/api/client";
import { tenantKey } from "@/components/tenant/query-keys";

export const flagsKey = (slug: string) => tenantKey(slug, "flags");

/** The tenant's flags and kill switches, plus platform-wide ones (global first). */
export function useFlags(slug: string) {
  return useQuery({
    queryKey: flagsKey(slug),
    queryFn: () => fetchData(tenantApi(slug, "flags"), z.array(Flag)),
  });
}
