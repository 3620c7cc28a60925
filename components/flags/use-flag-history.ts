"use client";

import { useQuery } from "@tanstack/react-query";
import { z } from "zod";
import { AuditLogEntry } from "@/lib/audit/schema";
import { fetchData, tenantApi } from "@/components/api/client";
import { tenantKey } from "@/components/tenant/query-keys";

export const flagHistoryKey = (slug: string, id: string) => tenantKey(slug, "flags", id, "history");

/** The audit rows of one flag (create, edits, flips), newest first. */
export function useFlagHistory(slug: string, id: string | null) {
  return useQuery({
    queryKey: flagHistoryKey(slug, id ?? ""),
    queryFn: () => fetchData(tenantApi(slug, `flags/${encodeURIComponent(id ?? "")}/history`), z.array(AuditLogEntry)),
    enabled: id !== null,
  });
}
