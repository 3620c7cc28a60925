"use client";

import { useQuery } from "@tanstack/react-query";
import { z } from "zod";
import { Member } from "@/lib/members/schema";
import { fetchData, tenantApi } from "@/components/api/client";
import { tenantKey } from "@/components/tenant/query-keys";

export const membersKey = (slug: string) => tenantKey(slug, "members");

export function useMembers(slug: string) {
  return useQuery({
    queryKey: membersKey(slug),
    queryFn: () => fetchData(tenantApi(slug, "members"), z.array(Member)),
  });
}
